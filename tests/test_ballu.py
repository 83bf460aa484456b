"""BALLU: the model, and evidence that buoyancy, drag and the knee linkage are physically right."""

import math
import os

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest
import torch

from env_wrapper import make_env
from legged_mjx.actuators import linkage_knee_target, spring_pd_knee_torque
from legged_mjx.batch import BatchedEnv
from legged_mjx.forces import drag_force
from legged_mjx.model import asset_path
from legged_mjx.tasks import make_task, train_config
from legged_mjx.training import Runner
from tests.helpers import host_data

G = 9.81
MASS = 0.28679
HELD_PELVIS = os.path.join(os.path.dirname(__file__), "assets", "ballu_held_pelvis.xml")


# ----- the model ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rest():
    model = mujoco.MjModel.from_xml_path(asset_path("ballu", "scene.xml"))
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    return model, data


def test_masses_joints_and_collision_geometry(rest):
    model, _ = rest
    assert model.body_subtreemass[model.body("PELVIS").id] == pytest.approx(MASS)
    names = [model.joint(i).name for i in range(1, model.njnt)]
    assert sorted(names) == sorted(
        ["NECK", "HIP_LEFT", "HIP_RIGHT", "KNEE_LEFT", "KNEE_RIGHT", "MOTOR_LEFT", "MOTOR_RIGHT"]
    )
    assert all(model.jnt_type[1:] == mujoco.mjtJoint.mjJNT_HINGE)
    assert np.allclose(model.joint("KNEE_LEFT").range, [0, 1.7453293])
    assert np.allclose(model.joint("MOTOR_RIGHT").range, [0, math.pi])
    assert np.allclose(model.joint("HIP_LEFT").range, [-math.pi / 2, math.pi / 2])
    assert model.dof_frictionloss[model.joint("HIP_RIGHT").dofadr[0]] == pytest.approx(0.01)
    # full inertia tensor of the tibia (off-diagonal terms survive as a rotated principal frame)
    tibia = model.body("TIBIA_LEFT")
    assert tibia.mass[0] == pytest.approx(0.04367) and np.allclose(tibia.ipos, [0.0068, 0.22605, -0.00419])
    foot = model.geom("FOOT_LEFT")
    assert foot.size[0] == pytest.approx(0.004) and foot.friction[0] == pytest.approx(0.9)
    balloon = model.geom("balloon")
    assert balloon.type == mujoco.mjtGeom.mjGEOM_CYLINDER and np.allclose(balloon.size[:2], [0.32, 0.35])


def test_rest_pose_legs_hang_below_and_balloon_floats_above(rest):
    model, data = rest
    pelvis_z = data.body("PELVIS").xpos[2]
    for side in ("LEFT", "RIGHT"):
        assert data.body(f"FEMUR_{side}").xipos[2] < pelvis_z - 0.15
        assert data.body(f"TIBIA_{side}").xipos[2] < data.body(f"FEMUR_{side}").xipos[2] - 0.3
    neck = data.body("BALLOON").xpos
    assert data.site("balloon_centre").xpos[2] - neck[2] == pytest.approx(0.38, abs=1e-3)
    assert data.body("BALLOON").xipos[2] - neck[2] == pytest.approx(0.3795, abs=1e-3)


# ----- physics with per-environment parameters ------------------------------------------------
def kinematics(task, state) -> list:
    """MuJoCo's forward pass (host) at each environment's physics state."""
    qpos, qvel = np.asarray(state.physics.qpos), np.asarray(state.physics.qvel)
    return [host_data(task.mj_model, q, v) for q, v in zip(qpos, qvel)]


def balloon_axis_tilt_deg(datas) -> np.ndarray:
    """Angle (deg) between the pelvis->balloon-centre axis and the vertical, per environment."""
    axis = np.stack([d.site("balloon_centre").xpos - d.qpos[:3] for d in datas])
    return np.degrees(np.arccos(axis[:, 2] / np.linalg.norm(axis, axis=1)))


@pytest.fixture(scope="module")
def released(ballu_batch):
    """8 BALLUs released at 1.2 m, each with its own GCR / drag / initial tilt / push, for 2 s.

    env: 0 GCR 1.0 | 1 GCR 1.2 | 2 GCR 0.84 | 3 GCR 1.0 tilted 40 deg | 4 GCR 0 tilted 40 deg |
         5 GCR 1.0 pushed 1 m/s, no drag | 6 same with c_d 0.4 | 7 GCR 0.84 with c_d 0.4
    """
    task = ballu_batch.task
    state, stats = ballu_batch.reset()
    half = math.radians(40.0) / 2
    params = {
        **state.params,
        "gcr": jnp.array([1.0, 1.2, 0.84, 1.0, 0.0, 1.0, 1.0, 0.84]),
        "drag": jnp.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.4, 0.4]),
    }
    qpos, qvel = np.array(state.physics.qpos), np.array(state.physics.qvel)
    qpos[3:5, 3:7] = [math.cos(half), math.sin(half), 0.0, 0.0]
    qvel[5:7, 0] = 1.0
    state = ballu_batch.commit(state.replace(params=params, physics=state.physics.replace(qpos=qpos, qvel=qvel)))
    com, tilt, terminated, states = [], [], [], []
    for _ in range(100):
        state, stats = ballu_batch.step(state, stats, jnp.zeros((8, 2)))
        datas = kinematics(task, state)
        com.append(np.stack([d.subtree_com[1] for d in datas]))
        tilt.append(balloon_axis_tilt_deg(datas))
        terminated.append(np.asarray(state.terminated))
        states.append(state)
    return task, np.array(com), np.array(tilt), np.array(terminated), states


def test_gcr_1_floats_with_zero_vertical_momentum(released):
    _, com, _, terminated, _ = released
    assert not terminated[:, 0].any()
    assert np.abs(com[:, 0, 2] - com[0, 0, 2]).max() < 2e-3  # centre of mass height, m
    assert np.abs(np.diff(com[:, 0, 2])).max() / 0.02 < 5e-3  # vertical velocity, m/s


def test_gcr_1_2_rises_with_the_net_buoyant_acceleration(released):
    _, com, _, _, _ = released
    # z_com(t) = z0 + a t^2 / 2 with a = (GCR - 1) g = 1.962 m/s^2; sample k is t_k = 0.02 (k + 1) s
    # after release.
    t = 0.02 * (np.array([0, 50]) + 1)
    rise = com[50, 1, 2] - com[0, 1, 2]
    assert rise == pytest.approx(0.5 * 0.2 * G * (t[1] ** 2 - t[0] ** 2), rel=0.01)


def test_gcr_0_84_descends_to_the_floor_and_stays_upright(released):
    task, com, tilt, terminated, states = released
    assert com[-1, 2, 2] < com[0, 2, 2] - 0.4
    data = kinematics(task, states[-1])[2]
    feet_z = [data.geom(f"FOOT_{side}").xpos[2] for side in ("LEFT", "RIGHT")]
    assert np.allclose(feet_z, 0.004, atol=0.003)  # sphere radius: resting on the floor
    assert not terminated[:, 2].any() and not terminated[:, 7].any()
    assert tilt[:, 2].max() < 60.0  # balloon always above the pelvis
    pelvis_z = float(states[-1].physics.qpos[2, 2])
    assert 0.4 < pelvis_z < 0.8  # standing on its legs, not lying down


def test_buoyancy_above_the_centre_of_mass_rights_a_tilted_robot(released):
    _, _, tilt, _, _ = released
    assert tilt[0, 3] > 35.0
    assert tilt[:, 3].min() < 8.0  # swings back through vertical
    assert tilt[:50, 4].min() > 30.0  # without buoyancy (GCR 0) nothing rights it while it falls


def test_drag_opposes_the_balloon_velocity(released):
    _, com, _, _, states = released
    vx = np.diff(com[:, :, 0], axis=0) / 0.02
    assert vx[-1, 5] == pytest.approx(1.0, abs=0.01)  # no drag: horizontal momentum conserved
    # c_d 0.4 on the whole mass: m dv/dt = -c v^2 -> v(t) = v0 / (1 + c v0 t / m)
    assert vx[49, 6] == pytest.approx(1.0 / (1.0 + 0.4 * 1.0 / MASS), rel=0.15)
    assert 0.0 < vx[-1, 6] < vx[49, 6]


def test_drag_force_formula_and_exact_zero():
    v = jnp.array([2.0, -1.0, 0.5])
    np.testing.assert_allclose(drag_force(v, 0.4), [-1.6, 0.4, -0.1], rtol=1e-6)
    np.testing.assert_allclose(drag_force(2 * v, 0.4), 4 * np.asarray(drag_force(v, 0.4)), rtol=1e-6)  # ~ v^2
    assert np.all(np.asarray(drag_force(v, 0.0)) == 0.0)


def test_drag_in_the_state_is_exactly_zero_at_c_d_0_and_opposes_motion(released):
    task, _, _, _, states = released
    state = states[10]
    physics = jax.tree.map(jnp.asarray, state.physics)
    snap = jax.vmap(task.snapshot)(physics, command=state.command, params=state.params)
    drag = np.asarray(snap.extras["drag_force"])
    assert np.all(drag[5] == 0.0)  # moving at 1 m/s, c_d 0
    assert drag[6, 0] < -0.05  # moving +x with c_d 0.4: pushed back
    buoyancy = np.asarray(snap.extras["buoyancy_force"])
    np.testing.assert_allclose(
        buoyancy[:, 2], np.array([1.0, 1.2, 0.84, 1.0, 0.0, 1.0, 1.0, 0.84]) * MASS * G, rtol=1e-5
    )


# ----- the knee linkage -----------------------------------------------------------------------
def test_linkage_maps_motor_range_onto_knee_range_linearly():
    motor = jnp.array([0.0, math.pi / 4, math.pi / 2, math.pi])
    np.testing.assert_allclose(linkage_knee_target(motor), [0.0, 1.74532925 / 4, 1.74532925 / 2, 1.74532925], rtol=1e-6)


@pytest.mark.parametrize("backend", ["mujoco", "mjx"])
def test_knee_settles_where_spring_gravity_and_torque_limit_balance(backend):
    """Pelvis welded in the air; motor targets 0 .. pi. Static balance at the knee:
    tau_law(q) = tau_gravity(q) up to the joint's friction loss (0.01 N m), the tolerance used."""
    task = make_task("ballu", xml_path=HELD_PELVIS, GCR=1.0)
    batch = BatchedEnv(task, num_envs=8, seed=0, backend=backend)
    state, stats = batch.reset()
    actions = jnp.repeat(jnp.linspace(-1.0, 1.0, 8)[:, None], 2, axis=1)  # motor targets 0 .. pi
    for _ in range(150):
        state, stats = batch.step(state, stats, actions)
    motor_target = np.asarray(task.action_targets(actions))[:, 0]
    knee_target = np.asarray(linkage_knee_target(motor_target))
    q = np.asarray(state.physics.qpos)[:, task.joints.qpos_adr]
    qd = np.asarray(state.physics.qvel)[:, task.joints.dof_adr]
    knee, motor = q[:, 3], q[:, 5]
    np.testing.assert_allclose(motor, motor_target, atol=2e-3)  # motor arms track their targets
    assert np.abs(qd[:, 3]).max() < 0.05  # settled
    assert knee[0] < 0.01  # target 0: the preloaded spring holds the knee on its lower limit
    model, data = task.mj_model, mujoco.MjData(task.mj_model)
    env = task.cfg.env
    for i in range(1, 8):
        data.qpos[:] = np.asarray(state.physics.qpos)[i]
        data.qvel[:] = 0.0
        mujoco.mj_forward(model, data)
        gravity = data.qfrc_bias[model.joint("KNEE_LEFT").dofadr[0]]
        law = float(
            spring_pd_knee_torque(
                knee[i],
                0.0,
                knee_target[i],
                env.spcf,
                **{k: env.knee[k] for k in ("spring_damping", "preload", "kp", "kd", "torque_limit")},
            )
        )
        assert abs(law - gravity) <= 0.0105, (i, law, gravity)
        assert knee[i] < knee_target[i]  # spring and the leg's weight pull the knee below target
    assert law == pytest.approx(0.0848)  # motor at pi: the knee torque is at its limit


# ----- tasks, VecEnv and training ------------------------------------------------------------
def test_per_environment_gcr_really_differs_and_drives_the_forces():
    env = make_env("ballu", num_envs=8, device="cpu", seed=3, GCR_range=[0.75, 0.89])
    gcr = np.asarray(env.state.params["gcr"])
    assert gcr.std() > 0.01 and gcr.min() >= 0.75 and gcr.max() <= 0.89
    critic = env.get_observations()["critic"]
    layout = [t.name for t in env.task.cfg.obs.groups["critic"]]
    assert layout[-4:] == ["buoyancy_force", "drag_force", "gcr", "spcf"]
    np.testing.assert_allclose(critic[:, -2].numpy(), gcr, rtol=1e-6)
    np.testing.assert_allclose(critic[:, -6].numpy(), gcr * MASS * G, rtol=1e-5)  # buoyancy z
    obs, rewards, dones, extras = env.step(torch.zeros(8, 2))
    assert obs["policy"].shape == (8, 16) and rewards.shape == (8,) and extras["time_outs"].shape == (8,)
    # BALLU's PPO config: 20 steps, [128, 64, 32], lr 1e-4, obs normalisation, init std 0.5
    train = train_config("ballu")
    assert train["num_steps_per_env"] == 20 and train["actor"]["hidden_dims"] == [128, 64, 32]
    assert train["actor"]["obs_normalization"] and train["actor"]["distribution_cfg"]["init_std"] == 0.5
    runner = Runner(env, train, log_dir=None, device="cpu")
    before = [p.detach().clone() for p in runner.alg.get_policy().parameters()]
    runner.learn(2, init_at_random_ep_len=True)
    assert any(not torch.equal(a, b) for a, b in zip(runner.alg.get_policy().parameters(), before))


def test_ballu_imu_observation_is_command_plus_two_tibia_imus():
    batch = BatchedEnv(make_task("ballu-imu"), num_envs=8, seed=0, backend="mujoco")
    state, stats = batch.reset()
    assert state.obs["policy"].shape == (8, 23)
    for _ in range(100):  # settle on the floor
        state, stats = batch.step(state, stats, jnp.zeros((8, 2)))
    policy = np.asarray(state.obs["policy"])
    for start in (3, 13):  # per tibia: quat (4), gyro (3), accelerometer (3)
        quat, gyro, acc = (
            policy[:, start : start + 4],
            policy[:, start + 4 : start + 7],
            policy[:, start + 7 : start + 10],
        )
        np.testing.assert_allclose(np.linalg.norm(quat, axis=1), 1.0, rtol=1e-4)
        assert np.abs(np.linalg.norm(acc, axis=1) - G).max() < 3.0  # roughly at rest: reads ~g
        assert np.all(np.isfinite(gyro))
