"""A JointPositionTask config from a robot description (legged_mjx/robots.py): the robot's MJCF
(or another of its models), its joints, standing pose, default PD gains, feet and fall tilt.
sim2sim runs exports on it (sim2sim/export_task.py); a robot needs no Python to get one."""

from legged_mjx.commands import CommandCfg
from legged_mjx.observations import ObsCfg, ObsTerm
from legged_mjx.robots import load_robot
from legged_mjx.task import TaskCfg
from legged_mjx.tasks.joint_position import JointPositionEnvCfg
from rewards import RewardCfg

VELOCITY_RANGES = {"lin_vel_x": [0.0, 0.0], "lin_vel_y": [0.0, 0.0], "ang_vel_z": [0.0, 0.0]}


def robot_env_cfg(robot: str, xml_path: str | None = None) -> JointPositionEnvCfg:
    """The env config of robot `robot` (a name or robot.yaml path) on its MJCF or `xml_path`:
    joints in the description's first order, the standing pose as default and action offset,
    the default gains, PD clipped to the model's torque limits, no action latency."""
    description = load_robot(robot)
    joints = description.joints
    feet = description.feet
    return JointPositionEnvCfg(
        robot=robot,
        xml_path=xml_path or description.mjcf,
        spawn_height=description.spawn_height,
        joint_names=joints,
        default_joint_pos=dict(zip(joints, description.default_pose(joints))),
        foot_contact_sensors=[foot.contact_sensor for foot in feet],
        foot_velocity_sensors=[foot.velocity_sensor for foot in feet],
        foot_geoms=[foot.geoms for foot in feet],
        foot_sites=[foot.site for foot in feet],
        kp=description.per_joint(description.default_gains["kp"], joints, "default_gains.kp"),
        kd=description.per_joint(description.default_gains["kd"], joints, "default_gains.kd"),
        action_latency=False,
        max_roll_pitch_deg=description.fall_tilt_deg,
    )


def robot_task_cfg(robot: str, xml_path: str | None = None) -> TaskCfg:
    """robot_env_cfg with the velocity policy observation of Isaac Lab and mjlab (angular velocity,
    projected gravity, velocity command, joint positions and velocities relative to default, last
    action), zero velocity commands and no rewards."""
    terms = ["base_ang_vel", "projected_gravity", "velocity_commands", "joint_pos_rel", "joint_vel_rel", "last_action"]
    return TaskCfg(
        env=robot_env_cfg(robot, xml_path),
        obs=ObsCfg(groups={"policy": [ObsTerm(name) for name in terms]}),
        reward=RewardCfg(weights={}),
        command=CommandCfg(names=list(VELOCITY_RANGES), ranges={k: list(v) for k, v in VELOCITY_RANGES.items()}),
    )
