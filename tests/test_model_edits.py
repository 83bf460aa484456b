"""Foreign MJCFs fitted to a task (legged_mjx/model_edits.py), on a toy two-legged robot whose model
and description are written here: sensors added, actuators replaced (and why), torques reaching
their joints, torque limits kept, passive properties listed, MJX's limits as one-line errors."""

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest

from legged_mjx.batch import BatchedEnv
from legged_mjx.errors import UserError
from legged_mjx.model_edits import passive_joint_properties
from legged_mjx.robots import load_robot
from legged_mjx.sim2sim.model_report import effective_inertia, explicit_damping
from legged_mjx.tasks.described import robot_task_cfg
from legged_mjx.tasks.joint_position import JointPositionTask
from tests.model_variants import toy_robot


def toy_task(tmp_path, **model) -> JointPositionTask:
    robot, xml = toy_robot(tmp_path, **model)
    return JointPositionTask(robot_task_cfg(robot, xml))


def torques_applied(task, q, targets) -> np.ndarray:
    """qfrc_actuator on the task's joints (N m) once the task's control is applied at joint angles q."""
    model, data = task.mj_model, mujoco.MjData(task.mj_model)
    data.qpos[:] = task.initial_qpos()
    data.qpos[task.joints.qpos_adr] = q
    mujoco.mj_forward(model, data)
    physics = task.reset_physics.replace(qpos=jnp.asarray(data.qpos, jnp.float32))
    ctrl, _ = task.control(physics, jnp.asarray(targets, jnp.float32), {})
    data.ctrl[:] = np.asarray(ctrl)
    mujoco.mj_forward(model, data)
    return data.qfrc_actuator[task.joints.dof_adr]


def test_the_toy_robot_is_data_its_description_orders_gains_and_feet(tmp_path):
    robot = load_robot(toy_robot(tmp_path)[0])
    assert robot.joint_names("unitree_sdk") == ["b_joint", "a_joint"] and robot.joints == ["b_joint", "a_joint"]
    assert robot.per_joint(robot.default_gains["kp"], ["a_joint", "b_joint"], "kp") == [30.0, 20.0]
    assert [foot.contact_sensor for foot in robot.feet] == ["a_foot_contact", "b_foot_contact"]
    with pytest.raises(UserError, match="unknown joint order 'isaac' for robot toy"):
        robot.joint_names("isaac")


def test_missing_foot_sensors_are_added_one_per_colliding_geom(tmp_path):
    task = toy_task(tmp_path)
    added = [n for n in task.model_notes if "sensors added" in n]
    assert (
        added[0]
        == "foot contact sensors added (MjSpec): a_foot_contact (a_foot, a_toe); b_foot_contact (b_foot, b_toe)"
    )
    assert added[1] == "foot velocity sensors added (MjSpec): a_foot_vel (a_foot); b_foot_vel (b_foot)"
    assert task.foot_contact_adr.shape == (2, 2)
    model, data = task.mj_model, mujoco.MjData(task.mj_model)
    data.qpos[:] = task.initial_qpos()
    data.qpos[2] = 0.23  # sole spheres reach 0.24 below the base: 1 cm into the floor
    data.qpos[task.joints.qpos_adr] = [0.0, 0.0]  # (b_joint, a_joint): legs straight down
    mujoco.mj_forward(model, data)
    assert task.feet_touching(data.sensordata).tolist() == [True, True]  # (a, b), the description's foot order
    data.qpos[task.joints.qpos_adr] = [0.0, 1.2]  # a swings: both its spheres leave the floor
    mujoco.mj_forward(model, data)
    assert task.feet_touching(data.sensordata).tolist() == [False, True]


@pytest.mark.parametrize("actuators", ["reversed", "position servos", "none"])
def test_actuators_are_replaced_by_one_motor_per_joint_in_joint_order(tmp_path, actuators):
    task = toy_task(tmp_path, actuators=actuators)
    (note,) = [n for n in task.model_notes if n.startswith("actuators replaced")]
    reason = {
        "reversed": "the model had 2 motors on these joints; listed in another order than the joints",
        "position servos": "the model had 2 position servos on these joints",
        "none": "the model had no actuators on these joints",
    }[actuators]
    assert reason in note, note
    model = task.mj_model
    assert [model.actuator(a).name for a in range(model.nu)] == ["a_joint_motor", "b_joint_motor"]
    assert (model.actuator_biastype == mujoco.mjtBias.mjBIAS_NONE).all()  # no servo left to add a hidden PD
    # Torque limits kept from the model (task order b, a): b's joint range 6 N m; a's motor or servo 5, else none.
    limits = {"reversed": [6.0, 5.0], "position servos": [6.0, 5.0], "none": [6.0, np.inf]}[actuators]
    np.testing.assert_allclose(task.actuators.torque_limit, limits)
    if actuators == "none":
        assert "no limit in the model for a_joint: unclipped" in note


def test_torque_for_each_joint_reaches_that_joint(tmp_path):
    """Actuators listed b then a: after the fit, the PD torque of joint a acts on joint a."""
    task = toy_task(tmp_path, actuators="reversed")
    names = list(task.cfg.env.joint_names)  # description order: b_joint, a_joint
    assert names == ["b_joint", "a_joint"]
    q, targets = np.array([0.05, -0.02]), np.array([0.1, 0.0])  # b: +0.05 -> 0.1; a: -0.02 -> 0.0
    expected = np.array([20.0 * (0.1 - 0.05), 30.0 * (0.0 + 0.02)])  # kp b 20, kp a 30; at rest
    np.testing.assert_allclose(torques_applied(task, q, targets), expected, rtol=1e-5)
    big = torques_applied(task, q, targets + np.array([1.0, 1.0]))  # saturates: b at 6 (joint), a at 5 (motor)
    np.testing.assert_allclose(big, [6.0, 5.0], rtol=1e-5)


def test_a_model_that_fits_is_left_alone_and_passive_properties_are_listed(tmp_path):
    task = toy_task(tmp_path)  # motors in joint order
    assert not [n for n in task.model_notes if n.startswith("actuators replaced")]
    assert passive_joint_properties(task.mj_model, ["a_joint", "b_joint"]) == {"damping": {"b_joint": 0.2}}


def test_explicit_damping_ratio_uses_the_smallest_effective_inertia(tmp_path):
    task = toy_task(tmp_path)
    inertia = effective_inertia(task.mj_model, task.initial_qpos(), task.action_joints.dof_adr)
    # a leg about its hinge, base fixed: capsule + feet; with the base free the effective inertia is smaller.
    data = mujoco.MjData(task.mj_model)
    data.qpos[:] = task.initial_qpos()
    mujoco.mj_forward(task.mj_model, data)
    dense = np.zeros((task.mj_model.nv, task.mj_model.nv))
    mujoco.mj_fullM(task.mj_model, data, dense)
    dofs = task.action_joints.dof_adr
    assert (inertia < dense[dofs, dofs]).all() and (inertia > 0).all()
    assert explicit_damping(task) == {}  # kd 0.5 x 0.005 s is far below these inertias
    task.actuators.kd[:] = 4.0 * inertia / task.mj_model.opt.timestep  # kd dt / I = 4
    assert explicit_damping(task) == {"b_joint": 4.0, "a_joint": 4.0}


def test_elliptic_cones_run_on_mjx_as_on_native_mujoco(tmp_path):
    """MJX (mujoco-mjx 3.17) solves elliptic friction cones: no conversion, no error. A toy robot
    dropped onto the floor with a sideways velocity slides and settles alike on both engines."""
    task = toy_task(tmp_path, cone="elliptic")
    assert task.mj_model.opt.cone == mujoco.mjtCone.mjCONE_ELLIPTIC
    finals = []
    for backend in ("mujoco", "mjx"):
        batch = BatchedEnv(task, num_envs=1, seed=0, backend=backend)
        state, stats = batch.reset()
        qvel = np.array(state.physics.qvel)
        qvel[0, 0] = 0.8
        state = batch.commit(state.replace(physics=state.physics.replace(qvel=jnp.asarray(qvel))))
        for _ in range(25):
            state, stats = batch.step(state, stats, jnp.zeros((1, 2)))
        finals.append(np.asarray(state.physics.qpos[0]))
    assert finals[0][0] > 0.02  # it slid
    np.testing.assert_allclose(finals[0], finals[1], atol=2e-3)


def test_a_model_mjx_cannot_run_is_a_one_line_error_on_that_backend(tmp_path):
    sensor = '<sensor><contact name="base_touch" body1="base" data="found"/></sensor>'
    task = toy_task(tmp_path, extra=sensor)
    BatchedEnv(task, num_envs=1, seed=0, backend="mujoco")  # the native engine runs it
    with pytest.raises(UserError) as error:
        BatchedEnv(task, num_envs=1, seed=0, backend="mjx")
    assert str(error.value).startswith("backend mjx cannot run this model: Contact sensor with body matching")
    assert "\n" not in str(error.value)


def test_feet_the_model_lacks_are_a_one_line_error(tmp_path):
    robot, xml = toy_robot(tmp_path)
    cfg = robot_task_cfg(robot, xml)
    cfg.env.foot_geoms = ["a_(foot|toe)", "c_foot"]
    with pytest.raises(UserError, match=r"no collision geom named like 'c_foot' in the model \(the foot of sensor"):
        JointPositionTask(cfg)


def test_jax_sees_the_added_sensors(tmp_path):
    task = toy_task(tmp_path)
    reset = jax.jit(task.reset)(jax.random.PRNGKey(0), jnp.int32(0))
    assert reset.physics.sensordata.shape == (task.mj_model.nsensordata,) and task.mj_model.nsensordata == 4 + 6
