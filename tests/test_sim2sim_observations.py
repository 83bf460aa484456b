"""sim2sim observations and measurements: the fixture's policy vector against a hand-built one
(order, scales, clip, history), and the native-MuJoCo snapshot/measurements against MJX's."""

import dataclasses
import os

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest
from mujoco import mjx

from legged_mjx.joint_orders import go2_joint_names
from legged_mjx.observations import ObsCfg, observe
from legged_mjx.sim2sim.conventions import to_task_cfg
from legged_mjx.sim2sim.eval_task import SCALES, EvalGo2Task, evaluation_config
from legged_mjx.sim2sim.measure import LIMIT_MARGIN, measure
from legged_mjx.sim2sim.rollout_mujoco import PhysicsArrays, foot_contact, native_snapshot
from legged_mjx.sim2sim.sources import read_conventions

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "fixtures", "isaac_go2_velocity")
pytestmark = pytest.mark.skipif(not os.path.isdir(FIXTURE), reason="shared fixtures not present")
ISAAC_DEFAULT = np.array([0.1, -0.1, 0.1, -0.1, 0.8, 0.8, 1.0, 1.0, -1.5, -1.5, -1.5, -1.5])
NOMINAL = {name: jnp.float32(1.0) for name in SCALES}


@pytest.fixture(scope="module")
def fixture_conventions():
    return read_conventions(os.path.join(FIXTURE, "deploy.yaml"))[1]


@pytest.fixture(scope="module")
def task(fixture_conventions):
    return EvalGo2Task(evaluation_config(to_task_cfg(fixture_conventions), 45.0), fall_height=0.15)


def known_qpos_qvel(task):
    """Base yawed 30 deg, rolled 8 deg, pitched -5 deg, joints off default, known velocities; one
    joint spins at 150 rad/s so that the 100 clip of joint_vel_rel binds (then x0.05 -> 5.0)."""
    rng = np.random.default_rng(7)
    quat = np.zeros(4)
    mujoco.mju_euler2Quat(quat, np.radians([8.0, -5.0, 30.0]), "XYZ")
    qpos = task.initial_qpos().astype(np.float64)
    qpos[3:7] = quat
    qpos[7:] += rng.uniform(-0.2, 0.2, 12)
    qvel = rng.uniform(-1.0, 1.0, 18)
    qvel[task.mj_model.joint("RL_thigh_joint").dofadr[0]] = 150.0
    return qpos, qvel, quat


def test_fixture_observation_equals_hand_built_vector(task):
    qpos, qvel, quat = known_qpos_qvel(task)
    data = task.reset_data.replace(qpos=jnp.asarray(qpos, jnp.float32), qvel=jnp.asarray(qvel, jnp.float32))
    command = jnp.array([0.7, -0.2, 0.4])
    action = jnp.linspace(-1.5, 1.5, 12)
    obs, _ = observe(task.cfg.obs, task.snapshot(data, command, action, jnp.zeros(12), NOMINAL))

    rot = np.zeros(9)
    mujoco.mju_quat2Mat(rot, quat)
    rot = rot.reshape(3, 3)  # body -> world
    model = task.mj_model
    isaac = go2_joint_names("isaac")
    q = np.array([qpos[model.joint(n).qposadr[0]] for n in isaac])
    qd = np.array([qvel[model.joint(n).dofadr[0]] for n in isaac])
    expected = np.concatenate(
        [
            0.2 * qvel[3:6],  # body-frame angular velocity (free joint: already body frame), x0.2
            rot.T @ np.array([0.0, 0.0, -1.0]),  # projected gravity, body frame
            np.asarray(command),  # velocity command, x1
            q - ISAAC_DEFAULT,  # Isaac order: FL_hip, FR_hip, RL_hip, RR_hip, FL_thigh, ...
            0.05 * np.clip(qd, -100.0, 100.0),  # clipped first, then scaled
            np.asarray(action),
        ]
    )
    assert obs["policy"].shape == (45,)
    np.testing.assert_allclose(obs["policy"], expected, rtol=1e-5, atol=1e-5)
    assert float(obs["policy"][21 + isaac.index("RL_thigh_joint")]) == pytest.approx(5.0)  # joint_vel_rel at 21:33


def test_history_is_stacked_per_term_oldest_first(task, fixture_conventions):
    terms = [
        dataclasses.replace(t, history_length={"base_ang_vel": 3, "projected_gravity": 2}.get(t.name, 1))
        for t in fixture_conventions.observations
    ]
    layout = ObsCfg(groups={"policy": terms})
    qpos, qvel, _ = known_qpos_qvel(task)
    snaps, history = [], None
    for k in range(3):
        qvel_k = qvel.copy()
        qvel_k[3:6] = [k + 1.0, 10.0 * (k + 1), -(k + 1.0)]
        qpos_k = qpos.copy()
        qpos_k[3:7] = [np.cos(0.1 * k), np.sin(0.1 * k), 0.0, 0.0]  # rolled by 0.2 k rad
        data = task.reset_data.replace(qpos=jnp.asarray(qpos_k, jnp.float32), qvel=jnp.asarray(qvel_k, jnp.float32))
        snaps.append(task.snapshot(data, jnp.zeros(3), jnp.zeros(12), jnp.zeros(12), NOMINAL))
        obs, history = observe(layout, snaps[-1], history)
    vector = np.asarray(obs["policy"])
    assert vector.shape == (45 + 2 * 3 + 1 * 3,)
    angular = [0.2 * np.asarray(s.ang_vel_body) for s in snaps]
    gravity = [np.asarray(s.gravity_body) for s in snaps]
    np.testing.assert_allclose(vector[:9], np.concatenate(angular), rtol=1e-5)  # t-2, t-1, t
    np.testing.assert_allclose(vector[9:15], np.concatenate(gravity[1:]), rtol=1e-5, atol=1e-6)  # t-1, t
    np.testing.assert_allclose(vector[15:18], 0.0)  # the command comes next, without history


def native_and_mjx_states(task):
    """The known state lowered until the feet press into the floor, in native MuJoCo and in MJX."""
    qpos, qvel, _ = known_qpos_qvel(task)
    qpos[2] = 0.22
    qvel[6:] = np.clip(qvel[6:], -1.0, 1.0)
    native = mujoco.MjData(task.mj_model)
    native.qpos[:], native.qvel[:] = qpos, qvel
    mujoco.mj_forward(task.mj_model, native)
    # Built like the task's own reset data, so that this forward pass is the program it already compiled.
    data = mjx.make_data(task.mjx_model)
    data = data.replace(qpos=jnp.asarray(qpos, data.qpos.dtype), qvel=jnp.asarray(qvel, data.qvel.dtype))
    return native, jax.jit(mjx.forward)(task.mjx_model, data)


def test_native_snapshot_and_measurements_match_mjx(task):
    native, data = native_and_mjx_states(task)
    command, action, prev = jnp.array([0.5, 0.0, 0.1]), jnp.full(12, 0.3), jnp.zeros(12)
    reference = task.snapshot(data, command, action, prev, NOMINAL)
    contact = foot_contact(task, native)
    assert contact.any()
    snap = native_snapshot(
        task, jnp.asarray(native.qpos), jnp.asarray(native.qvel), contact, command, action, prev, NOMINAL
    )
    for field in dataclasses.fields(reference):
        if field.name in ("params", "extras"):
            continue
        np.testing.assert_allclose(
            np.asarray(getattr(snap, field.name)),
            np.asarray(getattr(reference, field.name)),
            rtol=1e-4,
            atol=1e-5,
            err_msg=field.name,
        )
    physics = PhysicsArrays(*(jnp.asarray(getattr(native, f)) for f in PhysicsArrays._fields))
    ours, theirs = measure(task, snap, physics), measure(task, reference, data)
    for name in ours:
        np.testing.assert_allclose(float(ours[name]), float(theirs[name]), rtol=1e-3, atol=1e-4, err_msg=name)


def test_measurements_by_hand(task):
    """A base translating at (0.3, 0.4) m/s with no rotation: every foot slides at 0.5 m/s."""
    native, _ = native_and_mjx_states(task)
    native.qvel[:] = 0.0
    native.qvel[0:2] = [0.3, 0.4]
    native.qpos[task.joints.qpos_adr[0]] = task.joints.range_high[0]  # one joint at its limit
    mujoco.mj_forward(task.mj_model, native)
    contact = foot_contact(task, native)
    action, prev = jnp.full(12, 0.5), jnp.full(12, 0.2)
    snap = native_snapshot(
        task, jnp.asarray(native.qpos), jnp.asarray(native.qvel), contact, jnp.zeros(3), action, prev, NOMINAL
    )
    physics = PhysicsArrays(*(jnp.asarray(getattr(native, f)) for f in PhysicsArrays._fields))
    m = {name: float(value) for name, value in measure(task, snap, physics).items()}
    assert m["vx"] == pytest.approx(snap.lin_vel_body[0]) and m["contacts"] == contact.sum() > 0
    assert m["slip"] == pytest.approx(0.5 * contact.sum(), rel=1e-4)
    assert m["action_rate"] == pytest.approx(12 * 0.3**2, rel=1e-5)
    assert m["limit_hits"] == 1.0 and LIMIT_MARGIN > 0
    assert m["torque_abs"] == m["power"] == 0.0  # no control applied in this state


def test_dc_motor_law_with_gain_scaling():
    """Isaac Lab's DCMotor (synthetic env.yaml: kp 25, kd 0.5, 23.5 N m, 30 rad/s) under a gain scale."""
    conv = read_conventions(os.path.join(os.path.dirname(__file__), "fixtures", "sim2sim", "isaac_go2_flat_env.yaml"))[
        1
    ]
    task = EvalGo2Task(evaluation_config(to_task_cfg(conv), 45.0), fall_height=0.15)
    q, qd = jnp.zeros(12), jnp.zeros(12)

    def torque(error, velocity=0.0, gain=1.0):
        return np.asarray(task.joint_torque(q, qd + velocity, q + error, {**NOMINAL, "gain": jnp.float32(gain)}))

    np.testing.assert_allclose(torque(0.1), 2.5, rtol=1e-6)  # 25 * 0.1
    np.testing.assert_allclose(torque(0.1, gain=0.5), 1.25, rtol=1e-6)
    np.testing.assert_allclose(torque(2.0), 23.5, rtol=1e-6)  # saturated
    np.testing.assert_allclose(torque(2.0, velocity=15.0), 23.5 * (1 - 15.0 / 30.0), rtol=1e-6)  # speed curve
    np.testing.assert_allclose(torque(-2.0, velocity=-15.0), -23.5 * (1 - 15.0 / 30.0), rtol=1e-6)
