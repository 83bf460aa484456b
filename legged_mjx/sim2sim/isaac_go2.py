"""The one place where sim2sim's Isaac Lab path is tied to the Go2.

Isaac Lab exports (params/env.yaml, deploy.yaml) and sim2sim profiles are read for the Go2 only:
the joint orders they name are the Go2's, Isaac Lab's Go2 velocity tasks fix the physics step a
deploy.yaml leaves out, and a policy of these conventions runs under this project's Go2 task
(TASK: its MJCF, spawn and terminations) with the conventions' interface. Other robots are
evaluated from this project's checkpoints (`--checkpoint`), whose run names its own task.
"""

from legged_mjx.commands import CommandCfg
from legged_mjx.errors import UserError
from legged_mjx.joint_orders import GO2_LEG_ORDERS, go2_joint_names
from legged_mjx.observations import ObsCfg
from legged_mjx.sim2sim.velocity import VELOCITY_COMMANDS
from legged_mjx.task import TaskCfg
from legged_mjx.tasks import task_config
from rewards import RewardCfg

TASK = "go2"  # the project task whose robot Isaac Lab exports are run on
ISAAC_GO2_SIM_DT = 0.005  # s, Isaac Lab's Go2 velocity tasks (sim.dt 0.005, decimation 4)
GO2_ONLY = "sim2sim reads Isaac Lab exports for the Go2 only; evaluate other robots from a checkpoint (--checkpoint)"


def isaac_joint_order() -> list:
    """The Go2's joints in Isaac Lab's articulation order (env.yaml does not store it)."""
    return go2_joint_names("isaac")


def sdk_joint_order() -> list:
    """The Go2's joints by Unitree SDK motor index (deploy.yaml's joint_ids_map refers to it)."""
    return go2_joint_names("unitree_sdk")


def joint_names_of(value, source: str) -> list:
    """The Go2's joints from a list of their names or a convention name (isaac, mjcf, genesis,
    unitree_sdk); other joints are a UserError (check_go2_joints)."""
    if isinstance(value, str):
        if value not in GO2_LEG_ORDERS:
            raise UserError(f"{source}: unknown joint order '{value}' (known: {', '.join(GO2_LEG_ORDERS)})")
        return go2_joint_names(value)
    if not isinstance(value, list):
        raise UserError(f"{source}: joint_names must be a list of joint names or a convention name")
    names = [str(name) for name in value]
    check_go2_joints(names, source)
    return names


def check_go2_joints(joint_names: list, source: str) -> None:
    """UserError unless `joint_names` are the Go2's 12 joints (any order)."""
    if sorted(joint_names) != sorted(go2_joint_names("mjcf")):
        raise UserError(f"{source}: joint_names must be the 12 Go2 joints, got {joint_names} ({GO2_ONLY})")


def to_task_cfg(conv) -> TaskCfg:
    """The Go2 task config that runs a policy with these Conventions (robot model, spawn and
    termination settings stay the Go2 task's; rewards are empty; commands are (vx, vy, wz))."""
    cfg = task_config(TASK)
    env = cfg.env
    env.joint_names = list(conv.joint_names)
    env.default_joint_pos = dict(zip(conv.joint_names, conv.default_joint_pos))
    env.action_scale = list(conv.action_scale)
    env.action_offset = dict(zip(conv.joint_names, conv.action_offset))
    env.action_clip = conv.action_clip
    env.action_latency = conv.action_latency
    env.actuator = conv.actuator
    env.kp, env.kd = list(conv.kp), list(conv.kd)
    if conv.dc_motor:
        env.dc_motor = dict(conv.dc_motor)
    env.sim_dt, env.decimation = conv.sim_dt, conv.decimation
    cfg.obs = ObsCfg(groups={"policy": list(conv.observations)})
    cfg.reward = RewardCfg(weights={})
    cfg.command = CommandCfg(names=list(VELOCITY_COMMANDS), ranges={n: list(r) for n, r in conv.command_ranges.items()})
    return cfg
