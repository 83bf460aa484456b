"""The task config that runs an exported policy: the robot's description (its MJCF, or the user's
with --xml-path; spawn height, feet, what a fall is) with the export's interface (Conventions:
joint orders, default pose, gains, action and observation layout, timing, command ranges).

Any robot with a description runs this way (JointPositionTask, no rewards, commands vx, vy, wz).
A user's MJCF brings its own physics timestep: `with_physics_step` makes it the simulation step
unless --sim_dt overrides it, and refuses a timestep that does not divide the policy's step.
"""

import dataclasses
import math

from legged_mjx.commands import CommandCfg
from legged_mjx.errors import UserError
from legged_mjx.model import load_spec
from legged_mjx.observations import ObsCfg
from legged_mjx.sim2sim.velocity import VELOCITY_COMMANDS
from legged_mjx.task import TaskCfg
from legged_mjx.terrain.config import TerrainCfg
from legged_mjx.tasks.described import robot_env_cfg
from rewards import RewardCfg


def with_physics_step(conv, xml_path: str):
    """`conv` simulated at the timestep of the MJCF `xml_path`: decimation = policy step / timestep,
    which must be a whole number (a one-line UserError naming both, and --sim_dt, otherwise)."""
    timestep = float(load_spec(xml_path).option.timestep)
    step = conv.sim_dt * conv.decimation
    ratio = step / timestep
    if round(ratio) < 1 or not math.isclose(ratio, round(ratio), abs_tol=1e-6):
        raise UserError(
            f"{xml_path}: physics timestep {timestep:g} s does not divide the policy step {step:g} s of"
            f" {conv.source or 'the export'}; pass --sim_dt to choose one that does"
        )
    if math.isclose(timestep, conv.sim_dt):
        return dataclasses.replace(conv, assumptions=[a for a in conv.assumptions if not a.startswith("sim_dt")])
    note = (
        f"physics step {timestep:g} s x {round(ratio)} from the model ({xml_path}); the export's is {conv.sim_dt:g} s"
    )
    return dataclasses.replace(
        conv,
        sim_dt=timestep,
        decimation=int(round(ratio)),
        notes=[*conv.notes, note],
        assumptions=[a for a in conv.assumptions if not a.startswith("sim_dt")],
    )


def export_task_cfg(conv, xml_path: str | None = None) -> TaskCfg:
    """The JointPositionTask config that runs a policy of these Conventions on its robot (the
    description's MJCF, or `xml_path`): the description's spawn, feet and fall tilt, the export's
    interface (its height scanner's grid in the terrain section; the flat floor), policy
    observations only, no rewards, commands (vx, vy, wz)."""
    env = dataclasses.replace(
        robot_env_cfg(conv.robot, xml_path),
        sim_dt=conv.sim_dt,
        decimation=conv.decimation,
        joint_names=list(conv.joint_names),
        action_joint_names=None if conv.action_joint_names is None else list(conv.action_joint_names),
        default_joint_pos=dict(zip(conv.joint_names, conv.default_joint_pos)),
        action_clip=conv.action_clip,
        action_latency=conv.action_latency,
        action_scale=list(conv.action_scale),
        action_offset=dict(zip(conv.action_joints, conv.action_offset)),
        actuator=conv.actuator,
        kp=list(conv.kp),
        kd=list(conv.kd),
    )
    if conv.dc_motor:
        env.dc_motor = dict(conv.dc_motor)
    scan = conv.height_scan or {}
    terrain = TerrainCfg(**{f"height_scan_{key}": value for key, value in scan.items()})
    return TaskCfg(
        env=env,
        obs=ObsCfg(groups={"policy": list(conv.observations)}),
        reward=RewardCfg(weights={}),
        command=CommandCfg(names=list(VELOCITY_COMMANDS), ranges={n: list(r) for n, r in conv.command_ranges.items()}),
        terrain=terrain,
    )
