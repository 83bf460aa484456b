"""`params/deploy.yaml` in the unitree_rl_lab schema, written from a task's own configuration and
observation layout (the data the task runs on; nothing is listed twice).

What deploy tools read (unitree_rl_lab's C++ controller, unitree_rl_mjlab's, this project's
sim2sim.py), in the order and nesting of their published files:

    joint_ids_map      Unitree SDK motor index of each policy joint (policy order = env.joint_names)
    step_dt            policy period, s (sim_dt x decimation)
    stiffness, damping PD gains per policy joint (N m/rad, N m s/rad)
    default_joint_pos  rad per policy joint
    commands           base_velocity.ranges {lin_vel_x, lin_vel_y, ang_vel_z, heading: null}
    actions            JointPositionAction {clip, joint_names [.*], scale, offset, joint_ids null}
    observations       policy terms in order: {params, clip [-c, c] or null, scale (one per value),
                       history_length}

The schema has no physics step: files are read with Isaac Lab's 0.005 s. A task simulated at
another step gets a `sim_dt` line (sim2sim reads it; unitree's controllers do not need it).
The raw-action clip c is written as unitree_rl_lab writes its own: one [-c, c] per joint.
"""

import math

from legged_mjx.obs_layout import obs_layout
from legged_mjx.robots import shipped_robots

VELOCITY_COMMAND = "base_velocity"  # unitree_rl_lab's velocity command term
VELOCITY_SLOTS = ("lin_vel_x", "lin_vel_y", "ang_vel_z")  # its ranges, in the schema's order
SCHEMA_SIM_DT = 0.005  # s: what readers assume (Isaac Lab's Go2 and G1 velocity tasks)
# the observation terms unitree_rl_lab's deploy controller registers (deploy/include/isaaclab/envs/mdp/observations.h)
CONTROLLER_TERMS = ("base_ang_vel", "projected_gravity", "velocity_commands", "joint_pos_rel", "joint_vel_rel",
                    "last_action", "gait_phase")  # fmt: skip


def sdk_joint_order(joint_names: list) -> list | None:
    """The robot's joints by Unitree SDK motor index, or None when the joints are not those of a
    shipped robot whose description (assets/<robot>/robot.yaml) gives a unitree_sdk order."""
    for robot in shipped_robots():
        sdk = robot.joint_orders.get("unitree_sdk")
        if sdk is not None and sorted(joint_names) == sorted(sdk):
            return list(sdk)
    return None


def per_joint(value, count: int) -> list:
    """A config value that is a number or one value per joint, as `count` floats."""
    values = list(value) if isinstance(value, (list, tuple)) else [value] * count
    return [float(v) for v in values]


def _observation(term: dict) -> tuple[str, dict]:
    """(name, entry) of one policy term of obs_layout: scale repeated per value, clip as a range."""
    width = term["size"] // term["history_length"]
    params = {"command_name": VELOCITY_COMMAND} if term["name"] == "velocity_commands" else {}
    clip = None if term["clip"] is None else [-float(term["clip"]), float(term["clip"])]
    return term["name"], {
        "params": params,
        "clip": clip,
        "scale": per_joint(term["scale"], width),
        "history_length": int(term["history_length"]),
    }


def _commands(command_cfg) -> dict:
    """base_velocity's ranges (heading null), then any other command slot as a term of its own."""
    ranges = {
        name: [float(v) for v in command_cfg.ranges[name]] for name in VELOCITY_SLOTS if name in command_cfg.names
    }
    commands = {VELOCITY_COMMAND: {"ranges": {**ranges, "heading": None}}}
    for name in command_cfg.names:
        if name not in VELOCITY_SLOTS:
            commands[name] = {"ranges": {name: [float(v) for v in command_cfg.ranges[name]]}}
    return commands


def deploy_config(task) -> dict:
    """The deploy.yaml mapping of a JointPositionTask (tasks/joint_position.py) whose joints are a
    Unitree robot's (sdk_joint_order); key order as in unitree_rl_lab's files."""
    env, names = task.cfg.env, list(task.cfg.env.joint_names)
    count = len(names)
    sdk = sdk_joint_order(names)
    offsets = env.action_offset or env.default_joint_pos
    clip = None if math.isinf(env.action_clip) else [[-float(env.action_clip), float(env.action_clip)] for _ in names]
    data = {
        "joint_ids_map": [sdk.index(name) for name in names],
        "step_dt": round(env.sim_dt * env.decimation, 9),
        "stiffness": per_joint(env.kp, count),
        "damping": per_joint(env.kd, count),
        "default_joint_pos": [float(env.default_joint_pos[name]) for name in names],
        "commands": _commands(task.cfg.command),
        "actions": {
            "JointPositionAction": {
                "clip": clip,
                "joint_names": [".*"],
                "scale": per_joint(env.action_scale, count),
                "offset": [float(offsets[name]) for name in names],
                "joint_ids": None,
            }
        },
        "observations": dict(_observation(term) for term in obs_layout(task)["policy"]),
    }
    if env.sim_dt != SCHEMA_SIM_DT:
        data = {**dict(list(data.items())[:2]), "sim_dt": float(env.sim_dt), **dict(list(data.items())[2:])}
    return data


def deploy_problems(task) -> list:
    """Why unitree_rl_lab's controller could not run the policy as the deploy.yaml describes it (an
    empty list: it can): observation terms it does not compute, commands it does not send, and
    training conditions the schema cannot state."""
    env, problems = task.cfg.env, []
    terms = [t.name for t in task.cfg.obs.groups["policy"]]
    missing = [name for name in terms if name not in CONTROLLER_TERMS]
    if missing:
        problems.append(f"observation terms {', '.join(missing)} are not computed by unitree_rl_lab's controller")
    extra = [name for name in task.cfg.command.names if name not in VELOCITY_SLOTS]
    if extra:
        problems.append(f"commands {', '.join(extra)} are not sent by unitree_rl_lab's controller")
    if env.action_latency:
        problems.append("trained with one control step of action latency, which the schema cannot state")
    if env.actuator != "pd":
        problems.append(f"trained with the {env.actuator} actuator law; the schema states PD gains only")
    return problems
