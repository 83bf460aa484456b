"""sim2sim observations and measurements: the fixture's policy vector against a hand-built one
(order, scales, clip, history), the sensors measurements read (native MuJoCo against MJX), and
measurements by hand."""

import dataclasses
import os

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest
from mujoco import mjx

from shared_fixtures import fixture_dir
from legged_mjx.joint_orders import go2_joint_names
from legged_mjx.observations import ObsCfg, observe
from legged_mjx.sim2sim.eval_task import SCALES, evaluation_task
from legged_mjx.sim2sim.export_task import export_task_cfg as to_task_cfg
from legged_mjx.tasks.joint_position import JointPositionTask as TASK
from legged_mjx.sim2sim.measure import LIMIT_MARGIN, Measure
from legged_mjx.sim2sim.sources import read_conventions
from legged_mjx.state import Physics
from legged_mjx.state import physics_of as state_physics_of
from tests.helpers import host_data

FIXTURE = fixture_dir("isaac_go2_velocity")
pytestmark = pytest.mark.skipif(not os.path.isdir(FIXTURE), reason="shared fixtures not present")
ISAAC_DEFAULT = np.array([0.1, -0.1, 0.1, -0.1, 0.8, 0.8, 1.0, 1.0, -1.5, -1.5, -1.5, -1.5])
NOMINAL = {name: jnp.float32(1.0) for name in SCALES}


@pytest.fixture(scope="module")
def fixture_conventions():
    return read_conventions(os.path.join(FIXTURE, "deploy.yaml"))[1]


@pytest.fixture(scope="module")
def task(fixture_conventions):
    return evaluation_task(TASK, to_task_cfg(fixture_conventions), None, fall_height=0.15)


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


def physics_of(data) -> Physics:
    """The Physics of a MuJoCo MjData, as float32 JAX arrays (what the task core reads)."""
    return jax.tree.map(lambda value: jnp.asarray(value, jnp.float32), state_physics_of(data))


def test_fixture_observation_equals_hand_built_vector(task):
    qpos, qvel, quat = known_qpos_qvel(task)
    physics = physics_of(host_data(task.mj_model, qpos, qvel))
    command = jnp.array([0.7, -0.2, 0.4])
    action = jnp.linspace(-1.5, 1.5, 12)
    obs, _ = observe(task.cfg.obs, task.snapshot(physics, command=command, params=NOMINAL, action=action))

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
        physics = physics_of(host_data(task.mj_model, qpos_k, qvel_k))
        snaps.append(task.snapshot(physics, command=jnp.zeros(3), params=NOMINAL))
        obs, history = observe(layout, snaps[-1], history)
    vector = np.asarray(obs["policy"])
    assert vector.shape == (45 + 2 * 3 + 1 * 3,)
    angular = [0.2 * np.asarray(s.ang_vel_body) for s in snaps]
    gravity = [np.asarray(s.gravity_body) for s in snaps]
    np.testing.assert_allclose(vector[:9], np.concatenate(angular), rtol=1e-5)  # t-2, t-1, t
    np.testing.assert_allclose(vector[9:15], np.concatenate(gravity[1:]), rtol=1e-5, atol=1e-6)  # t-1, t
    np.testing.assert_allclose(vector[15:18], 0.0)  # the command comes next, without history


def pressed_into_floor(task):
    """The known state lowered until the feet press into the floor (native MuJoCo's forward pass)."""
    qpos, qvel, _ = known_qpos_qvel(task)
    qpos[2] = 0.22
    qvel[6:] = np.clip(qvel[6:], -1.0, 1.0)
    return host_data(task.mj_model, qpos, qvel)


def test_sensors_and_measurements_agree_between_native_mujoco_and_mjx(task):
    """Foot contacts and foot velocities are MJCF sensors: MJX fills them as MuJoCo does."""
    native = pressed_into_floor(task)
    model = mjx.put_model(task.mj_model)
    data = mjx.make_data(model).replace(qpos=jnp.asarray(native.qpos), qvel=jnp.asarray(native.qvel))
    data = jax.jit(mjx.forward)(model, data)
    np.testing.assert_allclose(np.asarray(data.sensordata), native.sensordata, rtol=1e-4, atol=1e-5)
    command, action, prev = jnp.array([0.5, 0.0, 0.1]), jnp.full(12, 0.3), jnp.zeros(12)
    ours = physics_of(native)
    theirs = ours.replace(sensordata=jnp.asarray(data.sensordata))
    snap = task.snapshot(ours, command=command, params=NOMINAL, action=action, prev_action=prev)
    assert np.asarray(snap.foot_contact).any()
    measure = Measure(task)
    measured = measure(snap, ours)
    reference = measure(task.snapshot(theirs, command=command, params=NOMINAL, action=action, prev_action=prev), theirs)
    for name in measured:
        np.testing.assert_allclose(measured[name], reference[name], rtol=1e-3, atol=1e-4, err_msg=name)


def test_measurements_by_hand(task):
    """A base translating at (0.3, 0.4) m/s with no rotation: every foot slides at 0.5 m/s; a known
    control gives its torque, clipped to the motor limit."""
    native = pressed_into_floor(task)
    native.qvel[:] = 0.0
    native.qvel[0:2] = [0.3, 0.4]
    native.qpos[task.joints.qpos_adr[0]] = task.joints.range_high[0]  # one joint at its limit
    mujoco.mj_forward(task.mj_model, native)
    contact = task.feet_touching(native.sensordata)
    action, prev = jnp.full(12, 0.5), jnp.full(12, 0.2)
    physics = physics_of(native)
    snap = task.snapshot(physics, command=jnp.zeros(3), params=NOMINAL, action=action, prev_action=prev)
    measure = Measure(task)
    measured = measure(snap, physics)
    np.testing.assert_array_equal(measured.pop("base_xy"), native.qpos[:2].astype(np.float32))  # world position
    m = {name: float(value) for name, value in measured.items()}
    assert m["vx"] == pytest.approx(float(snap.lin_vel_body[0])) and m["contacts"] == contact.sum() > 0
    assert m["slip"] == pytest.approx(0.5 * contact.sum(), rel=1e-4)
    assert m["action_rate"] == pytest.approx(12 * 0.3**2, rel=1e-5)
    assert m["limit_hits"] == 1.0 and LIMIT_MARGIN > 0
    assert m["torque_abs"] == m["power"] == 0.0  # no control applied in this state
    motors = measure.motors  # the model's 12 <motor> actuators
    ctrl = jnp.zeros(task.mj_model.nu).at[motors.ids[0]].set(100.0).at[motors.ids[2]].set(-10.0)
    m = measure(snap, physics.replace(ctrl=ctrl))
    limit = task.mj_model.actuator_ctrlrange[motors.ids[0], 1]  # a hip: 23.7 N m (gear 1)
    assert float(m["torque_peak"]) == pytest.approx(limit) == 23.7  # clipped to the motor's limit
    assert float(m["torque_abs"]) == pytest.approx((limit + 10.0) / 12, rel=1e-6)


def test_dc_motor_law_with_gain_scaling():
    """Isaac Lab's DCMotor (synthetic env.yaml: kp 25, kd 0.5, 23.5 N m, 30 rad/s) under a gain scale."""
    conv = read_conventions(os.path.join(os.path.dirname(__file__), "fixtures", "sim2sim", "isaac_go2_flat_env.yaml"))[
        1
    ]
    task = evaluation_task(TASK, to_task_cfg(conv), None, fall_height=0.15)
    q, qd = jnp.zeros(12), jnp.zeros(12)

    def torque(error, velocity=0.0, gain=1.0):
        return np.asarray(task.joint_torque(q, qd + velocity, q + error, {**NOMINAL, "gain": jnp.float32(gain)}))

    np.testing.assert_allclose(torque(0.1), 2.5, rtol=1e-6)  # 25 * 0.1
    np.testing.assert_allclose(torque(0.1, gain=0.5), 1.25, rtol=1e-6)
    np.testing.assert_allclose(torque(2.0), 23.5, rtol=1e-6)  # saturated
    np.testing.assert_allclose(torque(2.0, velocity=15.0), 23.5 * (1 - 15.0 / 30.0), rtol=1e-6)  # speed curve
    np.testing.assert_allclose(torque(-2.0, velocity=-15.0), -23.5 * (1 - 15.0 / 30.0), rtol=1e-6)
