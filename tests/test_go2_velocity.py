"""Task go2-velocity (unitree_rl_lab's Go2 velocity MDP): its 45-value observation against
hand-computed values, its privileged critic, the new task pieces (standing commands, soft joint
limits, the base-height termination, torques and accelerations of the last substep)."""

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest

from legged_mjx.commands import CommandCfg, sample_command
from legged_mjx.joint_orders import go2_joint_names
from legged_mjx.observations import observe
from legged_mjx.state import physics_of
from legged_mjx.tasks import make_task
from legged_mjx.tasks.joint_position import soft_limits


@pytest.fixture(scope="module")
def task():
    return make_task("go2-velocity")


def moving_physics(task, seed=0):
    """The reset physics with a tilted, moving base and moved joints (MuJoCo's forward pass fills
    the sensors), and ctrl/qacc from one native mj_step."""
    model = task.mj_model
    data = mujoco.MjData(model)
    rng = np.random.default_rng(seed)
    data.qpos[:] = task.initial_qpos()
    data.qpos[3:7] = [0.98, 0.1, -0.1, 0.05]
    data.qpos[3:7] /= np.linalg.norm(data.qpos[3:7])
    data.qpos[task.joints.qpos_adr] += rng.uniform(-0.2, 0.2, 12)
    data.qvel[:] = rng.uniform(-1.0, 1.0, model.nv)
    data.ctrl[:] = rng.uniform(-1.0, 1.0, model.nu)
    mujoco.mj_step(model, data)
    return data, jax.tree.map(lambda v: jnp.asarray(v, jnp.float32), physics_of(data))


def test_policy_observation_is_unitree_rl_labs_45_values(task):
    data, physics = moving_physics(task)
    command = jnp.asarray([0.5, -0.2, 0.8])
    action = jnp.linspace(-1, 1, 12)
    snap = task.snapshot(physics, command=command, params={}, action=action)
    obs, _ = observe(task.cfg.obs, snap)
    policy = np.asarray(obs["policy"])
    assert policy.shape == (45,)
    quat = data.qpos[3:7]
    gravity = np.zeros(3)
    mujoco.mju_rotVecQuat(gravity, [0, 0, -1.0], np.array([quat[0], -quat[1], -quat[2], -quat[3]]))
    q = data.qpos[task.joints.qpos_adr]
    default = [0.1, -0.1, 0.1, -0.1, 0.8, 0.8, 1.0, 1.0, -1.5, -1.5, -1.5, -1.5]  # Isaac Lab joint order
    expected = np.concatenate(
        [0.2 * data.qvel[3:6], gravity, command, q - default, 0.05 * data.qvel[task.joints.dof_adr], action]
    )
    np.testing.assert_allclose(policy, expected, rtol=1e-5, atol=1e-5)
    assert task.cfg.env.joint_names == go2_joint_names("isaac")


def test_critic_adds_base_linear_velocity_and_joint_torques(task):
    data, physics = moving_physics(task, seed=1)
    snap = task.snapshot(physics, command=jnp.zeros(3), params={})
    critic = np.asarray(observe(task.cfg.obs, snap)[0]["critic"])
    assert critic.shape == (60,)
    quat = data.qpos[3:7]
    lin_vel_body = np.zeros(3)
    mujoco.mju_rotVecQuat(lin_vel_body, data.qvel[0:3], np.array([quat[0], -quat[1], -quat[2], -quat[3]]))
    np.testing.assert_allclose(critic[:3], lin_vel_body, rtol=1e-5, atol=1e-5)
    motors = task.actuators.motors
    torque = np.clip(data.ctrl[motors.ids] * motors.gear, -motors.torque_limit, motors.torque_limit)
    np.testing.assert_allclose(critic[36:48], 0.01 * torque, rtol=1e-5, atol=1e-6)  # joint_effort x0.01


def test_extras_are_the_last_substeps_torques_and_accelerations(task):
    data, physics = moving_physics(task, seed=2)
    extras = task.extras(physics, {})
    np.testing.assert_allclose(extras["joint_acc"], data.qacc[task.joints.dof_adr], rtol=1e-4, atol=1e-3)
    foot_vel = np.asarray(extras["foot_vel_world"])
    assert foot_vel.shape == (4, 3) and np.abs(foot_vel).max() > 0
    limits = np.asarray(extras["soft_joint_pos_limits"])
    full = np.stack([task.joints.range_low, task.joints.range_high], axis=1)
    np.testing.assert_allclose(limits[:, 1] - limits[:, 0], 0.9 * (full[:, 1] - full[:, 0]), rtol=1e-5)


def test_soft_limits_shrink_about_the_middle_and_keep_unlimited_joints():
    limits = soft_limits(np.array([-1.0, -np.inf]), np.array([3.0, np.inf]), 0.9)
    np.testing.assert_allclose(limits[0], [1.0 - 1.8, 1.0 + 1.8])
    assert np.isneginf(limits[1, 0]) and np.isposinf(limits[1, 1])


def test_low_base_terminates(task):
    _, physics = moving_physics(task)
    low = physics.replace(qpos=physics.qpos.at[2].set(0.14))
    high = physics.replace(qpos=physics.qpos.at[2].set(0.16))
    for phys, fails in ((low, True), (high, False)):
        assert bool(task.failures(task.snapshot(phys, command=jnp.zeros(3), params={}))["base_height"]) is fails


def test_standing_commands_are_zero_with_their_probability():
    cfg = CommandCfg(names=["a", "b"], ranges={"a": [0.5, 1.0], "b": [0.5, 1.0]}, rel_standing_envs=0.25)
    keys = jax.random.split(jax.random.PRNGKey(0), 4000)
    commands = np.asarray(jax.vmap(lambda k: sample_command(cfg, k, jnp.int32(0)))(keys))
    standing = (commands == 0).all(axis=1)
    assert abs(standing.mean() - 0.25) < 0.03 and (commands[~standing] >= 0.5).all()
    plain = CommandCfg(names=["a", "b"], ranges=cfg.ranges)  # rel_standing_envs 0: the sampler as before
    np.testing.assert_array_equal(
        sample_command(plain, keys[0], jnp.int32(0)),
        jax.random.uniform(keys[0], (2,), minval=jnp.asarray([0.5, 0.5]), maxval=jnp.asarray([1.0, 1.0])),
    )


def test_config_is_unitree_rl_labs(task):
    env, command = task.cfg.env, task.cfg.command
    assert (env.kp, env.kd, env.action_scale, env.action_latency) == (25.0, 0.5, 0.25, False)
    assert (env.sim_dt, env.decimation, env.episode_length_s) == (0.005, 4, 20.0)
    assert command.ranges == {"lin_vel_x": [-1.0, 1.0], "lin_vel_y": [-0.4, 0.4], "ang_vel_z": [-1.0, 1.0]}
    assert (command.resample_s, command.rel_standing_envs) == (10.0, 0.1)
    assert task.cfg.reward.weights["tracking_lin_vel"] == 1.5 and task.cfg.reward.weights["tracking_ang_vel"] == 0.75
