"""Observation layouts: the Go2 policy vector against a hand-built one; clip, scale and history."""

import math

import jax.numpy as jnp
import mujoco
import numpy as np
import pytest

from legged_mjx.errors import UserError
from legged_mjx.observations import ObsCfg, ObsTerm, check_layout, observe
from legged_mjx.state import Snapshot


def known_state(task, reset_state):
    """A moving, tilted Go2: base yawed 30 deg and rolled 8 deg, joints off default, known velocities."""
    rng = np.random.default_rng(3)
    quat = np.zeros(4)
    mujoco.mju_euler2Quat(quat, np.radians([8.0, 0.0, 30.0]), "XYZ")
    qpos = np.asarray(reset_state.physics.qpos).copy()
    qpos[3:7] = quat
    qpos[7:] += rng.uniform(-0.2, 0.2, 12)
    qvel = rng.uniform(-1.0, 1.0, 18)
    physics = reset_state.physics.replace(qpos=jnp.asarray(qpos, jnp.float32), qvel=jnp.asarray(qvel, jnp.float32))
    return physics, qpos, qvel, quat


def test_go2_policy_observation_equals_hand_built_vector(go2_task, go2_reset):
    state = go2_reset()
    data, qpos, qvel, quat = known_state(go2_task, state)
    command = jnp.array([1.2, -0.3, 0.4, 0.35, 0.0])
    action, prev = jnp.linspace(-1, 1, 12), jnp.zeros(12)
    snap = go2_task.snapshot(data, command=command, params=state.params, action=action, prev_action=prev)
    obs, _ = observe(go2_task.cfg.obs, snap)

    rot = np.zeros(9)
    mujoco.mju_quat2Mat(rot, quat)
    rot = rot.reshape(3, 3)  # body -> world
    model = go2_task.mj_model
    names = go2_task.cfg.env.joint_names
    assert names[:3] == ["FR_hip_joint", "FR_thigh_joint", "FR_calf_joint"]  # go2_train order
    q = np.array([qpos[model.joint(n).qposadr[0]] for n in names])
    qd = np.array([qvel[model.joint(n).dofadr[0]] for n in names])
    default = np.array([0.0, 0.8, -1.5, 0.0, 0.8, -1.5, 0.0, 1.0, -1.5, 0.0, 1.0, -1.5])
    expected = np.concatenate(
        [
            2.0 * rot.T @ qvel[0:3],  # body linear velocity
            0.25 * qvel[3:6],  # body angular velocity (free joint: already body frame)
            rot.T @ np.array([0.0, 0.0, -1.0]),  # projected gravity
            np.array([2.0, 2.0, 0.25, 2.0, 2.0]) * np.asarray(command),
            q - default,
            0.05 * qd,
            np.asarray(action),
        ]
    )
    assert obs["policy"].shape == (50,)
    np.testing.assert_allclose(obs["policy"], expected, rtol=1e-5, atol=1e-5)


def test_go2_critic_adds_privileged_terms(go2_task, go2_reset):
    state = go2_reset()
    data, qpos, qvel, quat = known_state(go2_task, state)
    snap = go2_task.snapshot(data, command=state.command, params=state.params)
    obs, _ = observe(go2_task.cfg.obs, snap)
    critic = np.asarray(obs["critic"])
    assert critic.shape == (50 + 1 + 4 + 3 + 3,)
    np.testing.assert_allclose(critic[:50], obs["policy"])
    assert critic[50] == pytest.approx(qpos[2])
    np.testing.assert_allclose(critic[51:55], np.asarray(snap.foot_contact, np.float32))
    np.testing.assert_allclose(critic[55:58], np.asarray(obs["policy"][0:3]) / 2.0, rtol=1e-5)
    np.testing.assert_allclose(critic[58:61], qvel[3:6], rtol=1e-5)


def test_foot_contact_flags(go2_task, go2_step, go2_reset):
    state = go2_reset()
    for _ in range(25):
        state = go2_step(state, jnp.zeros(12))
    snap = go2_task.snapshot(state.physics, command=state.command, params=state.params)
    assert np.asarray(snap.foot_contact).all()
    lifted = state.replace(physics=state.physics.replace(qpos=state.physics.qpos.at[2].add(0.2)))
    lifted = go2_step(lifted, jnp.zeros(12))
    snap = go2_task.snapshot(lifted.physics, command=lifted.command, params=lifted.params)
    assert not np.asarray(snap.foot_contact).any()


def snap_with(command) -> Snapshot:
    zero3 = jnp.zeros(3)
    return Snapshot(
        base_pos_world=zero3,
        base_quat_world=jnp.array([1.0, 0, 0, 0]),
        lin_vel_world=zero3,
        lin_vel_body=zero3,
        ang_vel_body=zero3,
        gravity_body=jnp.array([0, 0, -1.0]),
        joint_pos=jnp.zeros(2),
        joint_vel=jnp.zeros(2),
        default_joint_pos=jnp.zeros(2),
        command=jnp.asarray(command, jnp.float32),
        action=jnp.zeros(2),
        prev_action=jnp.zeros(2),
        foot_contact=jnp.zeros(2, bool),
        height_scan=jnp.zeros(1),
        ground_height=jnp.zeros(()),
        params={},
        extras={},
    )


def test_clip_then_scale_and_history_oldest_first():
    cfg = ObsCfg(groups={"policy": [ObsTerm("commands", scale=2.0, clip=1.0, history_length=3)]})
    obs, history = observe(cfg, snap_with([0.5, 3.0]))  # a new episode fills the history
    np.testing.assert_allclose(obs["policy"], [1.0, 2.0] * 3)  # 3.0 clipped to 1.0, then x2
    obs, history = observe(cfg, snap_with([0.1, -0.2]), history)
    np.testing.assert_allclose(obs["policy"], [1.0, 2.0, 1.0, 2.0, 0.2, -0.4], rtol=1e-6)
    obs, history = observe(cfg, snap_with([0.0, 0.3]), history)
    np.testing.assert_allclose(obs["policy"], [1.0, 2.0, 0.2, -0.4, 0.0, 0.6], rtol=1e-6)


def test_unknown_term_is_a_user_error():
    with pytest.raises(UserError, match="unknown observation terms: x_ray"):
        check_layout(ObsCfg(groups={"policy": [ObsTerm("x_ray")]}))


def test_go2_policy_layout_is_the_seven_spec_terms(go2_task):
    names = [t.name for t in go2_task.cfg.obs.groups["policy"]]
    assert names == [
        "base_lin_vel",
        "base_ang_vel",
        "projected_gravity",
        "commands",
        "joint_pos_rel",
        "joint_vel",
        "last_action",
    ]
    assert math.isclose(go2_task.cfg.obs.groups["policy"][5].scale, 0.05)
