"""A robot is an MJCF and a config: a third PD-driven quadruped (Go2's model with ANYmal-style leg
names, other gains, default pose and joint order) built with no Python class of its own stands
and steps; and a task class that breaks the hook contract fails at construction."""

import jax.numpy as jnp
import numpy as np
import pytest

from legged_mjx.batch import BatchedEnv
from legged_mjx.commands import CommandCfg
from legged_mjx.model import asset_path
from legged_mjx.observations import ObsCfg, ObsTerm
from legged_mjx.task import TaskCfg
from legged_mjx.tasks.joint_position import JointPositionEnvCfg, JointPositionTask
from rewards import RewardCfg

LEGS = {"FL": "LF", "FR": "RF", "RL": "LH", "RR": "RH"}  # Go2's leg names -> the new robot's
PARTS = ("hip", "thigh", "calf")


def write_robot(folder) -> str:
    """The new robot's MJCF: Go2's, every leg renamed (joints, bodies, feet, sensors)."""
    text = open(asset_path("go2", "go2.xml")).read()
    for old, new in LEGS.items():
        text = text.replace(f"{old}_", f"{new}_")
    (folder / "go2.xml").write_text(text)
    (folder / "scene.xml").write_text(open(asset_path("go2", "scene.xml")).read())
    return str(folder / "scene.xml")


def robot_config(xml_path: str) -> TaskCfg:
    legs = ("LF", "LH", "RF", "RH")  # another joint order than Go2's
    pose = {"hip": 0.05, "thigh": 0.75, "calf": -1.45}
    terms = [
        ObsTerm("base_ang_vel", 0.25),
        ObsTerm("projected_gravity"),
        ObsTerm("velocity_commands"),
        ObsTerm("joint_pos_rel"),
        ObsTerm("joint_vel", 0.05),
        ObsTerm("last_action"),
    ]
    return TaskCfg(
        env=JointPositionEnvCfg(
            xml_path=xml_path,
            spawn_height=0.30,
            joint_names=[f"{leg}_{part}_joint" for leg in legs for part in PARTS],
            default_joint_pos={
                f"{leg}_{part}_joint": pose[part] * (-1 if part == "hip" and leg[0] == "R" else 1)
                for leg in legs
                for part in PARTS
            },
            foot_contact_sensors=[f"{leg}_foot_contact" for leg in legs],
            action_scale=0.25,
            kp=40.0,
            kd=1.0,
            max_roll_pitch_deg=30.0,
        ),
        obs=ObsCfg(groups={"policy": terms, "critic": terms + [ObsTerm("base_lin_vel")]}),
        reward=RewardCfg(weights={"tracking_lin_vel": 1.0, "action_rate": -0.01}),
        command=CommandCfg(
            names=["lin_vel_x", "lin_vel_y", "ang_vel_z"],
            ranges={"lin_vel_x": [-1.0, 1.0], "lin_vel_y": [0.0, 0.0], "ang_vel_z": [0.0, 0.0]},
        ),
    )


@pytest.fixture(scope="module")
def robot(tmp_path_factory):
    return JointPositionTask(robot_config(write_robot(tmp_path_factory.mktemp("robot"))))


def test_the_config_alone_wires_joints_gains_and_feet(robot):
    model = robot.mj_model
    assert robot.num_actions == 12 and robot.cfg.env.joint_names[3] == "LH_hip_joint"
    for name, actuator in zip(robot.cfg.env.joint_names, robot.actuators.motors.ids):
        assert model.actuator_trnid[actuator, 0] == model.joint(name).id
    np.testing.assert_allclose(robot.actuators.kp, 40.0)
    # target = default pose + 0.25 a; torque = 40 (target - q) - 1.0 qd
    targets = robot.action_targets(jnp.ones(12))
    np.testing.assert_allclose(targets, robot.default_joint_pos + 0.25, rtol=1e-6)
    torque = robot.joint_torque(jnp.zeros(12), jnp.ones(12), jnp.full(12, 0.1), {})
    np.testing.assert_allclose(torque, 40.0 * 0.1 - 1.0, rtol=1e-6)


def test_it_stands_and_steps(robot):
    """2 s of zero actions: upright at a standing height on four feet. Then an open-loop trot
    (diagonal pairs LF+RH and RF+LH lift in turn at 2 Hz): every foot leaves the ground and
    lands again, and the robot stays upright."""
    batch = BatchedEnv(robot, 2, backend="mujoco")
    state, stats = batch.reset()
    for _ in range(100):
        state, stats = batch.step(state, stats, jnp.zeros((2, 12)))
        assert not state.done.any()
    assert (np.asarray(state.physics.qpos[:, 2]) > 0.25).all()
    assert robot.feet_touching(np.asarray(state.physics.sensordata)).all()

    lift = np.array([0.0, 1.0, -2.0])  # hip, thigh, calf: fold the leg
    first_pair = np.array([leg in ("LF", "RH") for leg in ("LF", "LH", "RF", "RH")])
    touching = []
    for step in range(50):
        phase = np.sin(2 * np.pi * 2.0 * step * robot.dt)
        amount = np.where(first_pair, max(phase, 0.0), max(-phase, 0.0))  # per leg
        action = (amount[:, None] * lift).reshape(12)
        state, stats = batch.step(state, stats, jnp.asarray(np.tile(action, (2, 1)), jnp.float32))
        assert not state.done.any()
        touching.append(robot.feet_touching(np.asarray(state.physics.sensordata)[0]))
    touching = np.array(touching)
    assert (~touching).any(axis=0).all()  # each foot was in the air at some step
    assert touching.sum(axis=0).min() > 5  # and on the ground at others
    assert touching.sum(axis=1).min() >= 1  # never all four in the air: a gait, not a jump


class NoActionCount(JointPositionTask):
    def setup(self):
        super().setup()
        del self.num_actions


class WrongControl(JointPositionTask):
    def control(self, physics, targets, params):
        ctrl, _ = super().control(physics, targets, params)
        return ctrl[:-1], None


class ForcesUndeclared(JointPositionTask):
    def control(self, physics, targets, params):
        ctrl, _ = super().control(physics, targets, params)
        return ctrl, jnp.zeros((self.mj_model.nbody, 6))


@pytest.mark.parametrize(
    "task_class, message",
    [
        (NoActionCount, "must set num_actions"),
        (WrongControl, r"control must return ctrl of shape \(12,\)"),
        (ForcesUndeclared, r"xfrc_applied of shape None \(applies_body_forces=False\)"),
    ],
)
def test_a_task_that_breaks_the_contract_fails_at_construction(tmp_path, task_class, message):
    with pytest.raises(TypeError, match=message):
        task_class(robot_config(write_robot(tmp_path)))
