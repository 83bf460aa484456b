"""Conventions from a `deploy.yaml` exported beside an Isaac Lab or mjlab policy (unitree_rl_lab
schema), read as published, for any robot with a description (legged_mjx/robots.py).

Facts read: joint_ids_map (policy joint i is Unitree SDK motor joint_ids_map[i], which names the
joint through the robot's `unitree_sdk` order; any permutation; its length recognises the robot
unless --robot names it), step_dt and, where given, sim_dt (decimation = step_dt / sim_dt),
stiffness and damping (numbers, or lists indexed by SDK motor: unitree_rl_lab's exporter writes
`stiffness[joint_ids_map] = gains in policy order`), default_joint_pos (policy order),
commands.base_velocity.ranges, the one joint-position action term (scale and offset as numbers or
policy-order lists; clip as a number, a range or one [lo, hi] per joint; joint_names `[.*]`, or the
joints by name in the action's order, as configs with preserve_order write them; joint_ids null
or the slice of all joints) and the observation terms in order (scale, clip, history_length). The
velocity-command term is recognised by the command it reads (params.command_name: base_velocity)
or by its names in published files. The unitree_rl_lab schema has no height_scan term; a file that
names one is read the way an Isaac Lab env.yaml's is: its grid from the term's params (`size`,
`resolution`, `ordering`, `offset`, as a deploy writer would copy them from the ray caster), each
missing key Isaac Lab's rough velocity task's value (1.6 m x 1.0 m at 0.1 m, ordering xy, offset
0.5 m), listed under Assumptions; a policy whose input width then does not match is a one-line
error naming both widths.

The unitree_rl_lab schema records no physics step: without sim_dt, the physics step of Isaac Lab's
velocity tasks for the robot (its description's isaac_sim_dt) is assumed, or the caller's `sim_dt`
is used.

The file describes deployment on the robot, where stiffness and damping run on the motors' own PD
loop; so the actuator law is `pd` clipped to the MJCF's motor torque limits (Unitree's figures).
Isaac Lab applies no action latency. Both facts are recorded in the conventions' notes.
"""

import re

from legged_mjx.errors import UserError
from legged_mjx.robots import RobotDescription, load_robot, recognise_robot
from legged_mjx.sim2sim.exports.conventions import Conventions, obs_term
from legged_mjx.sim2sim.exports.facts import per_joint, require, symmetric_clip
from legged_mjx.sim2sim.exports.isaac_env_yaml import ISAAC_ROUGH_SCAN
from legged_mjx.sim2sim.velocity import VELOCITY_COMMANDS

VELOCITY_COMMAND = "base_velocity"  # the command term whose (vx, vy, wz) the policy observes
VELOCITY_COMMAND_TERMS = ("velocity_commands", "keyboard_velocity_commands", "generated_commands")
SDK_ORDER = "unitree_sdk"


def is_deploy_yaml(data: dict) -> bool:
    return "joint_ids_map" in data


def policy_joint_names(joint_ids_map, robot: RobotDescription, source: str) -> list:
    """Joint names in policy order: joint_ids_map[i] is the SDK motor index of policy joint i."""
    sdk = robot.joint_names(SDK_ORDER, "a deploy.yaml's joint_ids_map")
    if not isinstance(joint_ids_map, list) or sorted(joint_ids_map) != list(range(len(sdk))):
        raise UserError(
            f"{source}: joint_ids_map must be a permutation of 0..{len(sdk) - 1} (the motors of robot {robot.name}),"
            f" got {joint_ids_map}"
        )
    return [sdk[i] for i in joint_ids_map]


def _sdk_indexed(value, joint_ids_map: list, robot: RobotDescription, what: str, source: str) -> list:
    """Per-joint values in policy order from a number or a list indexed by SDK motor."""
    by_motor = per_joint(value, robot.joint_names(SDK_ORDER), what, source)
    return [by_motor[motor] for motor in joint_ids_map]


def _action_joints(term: dict, policy_names: list, where: str) -> list | None:
    """The action's joint order where it differs from the policy (joint_ids_map) order, else None.
    joint_names `[.*]` (or absent) is the policy order; a list of names or regexes is Isaac Lab's
    resolve_matching_names: each expression's joints in turn (preserve_order, as written by configs
    that list names) or, with preserve_order false, the policy order filtered."""
    joint_ids = term.get("joint_ids")
    if not (joint_ids is None or joint_ids == slice(None) or joint_ids == list(range(len(policy_names)))):
        raise UserError(f"{where}: joint_ids must select all joints (null or the slice of all), got {joint_ids}")
    expressions = term.get("joint_names", [".*"])
    if not isinstance(expressions, list) or not all(isinstance(e, str) for e in expressions):
        raise UserError(f"{where}: joint_names must be a list of joint names or regexes")
    try:
        if term.get("preserve_order", True):
            names = [n for e in expressions for n in policy_names if re.fullmatch(e, n)]
        else:
            names = [n for n in policy_names if any(re.fullmatch(e, n) for e in expressions)]
    except re.error as error:
        raise UserError(f"{where}: bad joint regex in joint_names: {error}") from None
    if sorted(names) != sorted(policy_names):
        raise UserError(f"{where}: the action must drive every joint once; joint_names {expressions} select {names}")
    return None if names == policy_names else names


def _action_term(actions, source: str) -> tuple[str, dict]:
    """(where, the action term) of the one joint-position action term, its scale, offset and clip present."""
    if not isinstance(actions, dict) or len(actions) != 1:
        raise UserError(f"{source}: actions must hold exactly one joint-position action term")
    ((name, term),) = actions.items()
    where, term = f"{source} actions.{name}", term if isinstance(term, dict) else {}
    require(term, {"scale": "action scale", "offset": "action offset, rad", "clip": "action clip"}, where)
    return where, term


def _action_clip(value, count: int, source: str) -> float:
    """The raw-action clip c from a number, a range [-c, c] or one such range per joint
    ([[lo, hi], ...], unitree_rl_lab). Per-joint ranges must all be the same: the task clips every
    raw action to one symmetric range, so differing ranges cannot be reproduced and are refused."""
    if isinstance(value, list) and value and all(isinstance(pair, list) for pair in value):
        ranges = {tuple(pair) for pair in value}
        if len(value) != count or len(ranges) != 1:
            raise UserError(
                f"{source}: per-joint action clip needs {count} identical [lo, hi] ranges (sim2sim clips all"
                f" joints to one symmetric range), got {value}"
            )
        value = list(ranges.pop())
    return symmetric_clip(value, "action clip", source)


def _timing(data: dict, sim_dt: float | None, robot: RobotDescription, source: str) -> tuple[float, int, list, list]:
    """(sim_dt s, decimation, notes, assumptions): sim_dt from the caller, else the file, else the
    robot's Isaac Lab physics step (an assumption)."""
    notes, assumptions = [], []
    stated = data.get("sim_dt")
    if sim_dt is not None:
        notes.append(
            f"sim_dt {sim_dt:g} s from --sim_dt (the file {'has none' if stated is None else f'says {stated}'})"
        )
    elif stated is not None:
        sim_dt = stated
    else:
        sim_dt = robot.isaac_sim_dt
        assumptions.append(
            f"sim_dt {sim_dt:g} s assumed: the file records only step_dt {data['step_dt']};"
            f" Isaac Lab's {robot.name} velocity tasks simulate at {sim_dt:g} s (override with --sim_dt)"
        )
    if not (isinstance(sim_dt, (int, float)) and not isinstance(sim_dt, bool) and sim_dt > 0):
        raise UserError(f"{source}: sim_dt must be a positive number of seconds, got {sim_dt}")
    return float(sim_dt), _decimation(data["step_dt"], sim_dt, source), notes, assumptions


def _observation_name(name: str, term: dict, source: str) -> str:
    """This project's OBS_TERMS name of a deploy.yaml observation term: the velocity command is the
    term that reads base_velocity (params.command_name), or one of VELOCITY_COMMAND_TERMS by name."""
    params = term.get("params")
    command = params.get("command_name") if isinstance(params, dict) else None
    if command == VELOCITY_COMMAND or (command is None and name in VELOCITY_COMMAND_TERMS):
        return "velocity_commands"
    if command is not None:
        raise UserError(f"{source}: observation '{name}' reads command '{command}'; only {VELOCITY_COMMAND} is known")
    return name


def _observations(terms, source: str) -> list:
    """ObsTerms in file order."""
    if not isinstance(terms, dict):
        raise UserError(f"{source}: observations must map term names to {{scale, clip, history_length}}")
    observations = []
    for name, term in terms.items():
        term = term if isinstance(term, dict) else {}
        keys = {"scale": "scale", "clip": "clip", "history_length": "history length"}
        spec = require(term, keys, f"{source} observations.{name}")
        term_name = _observation_name(name, term, source)
        observations.append(obs_term(term_name, spec["scale"], spec["clip"], spec["history_length"], source))
    return observations


def _height_scan(terms: dict, source: str, assumptions: list) -> dict | None:
    """The grid of a height_scan term ({size, resolution, ordering, offset}), or None without one."""
    term = terms.get("height_scan")
    if not isinstance(term, dict):
        return None
    params = term.get("params") or {}
    if not isinstance(params, dict):
        raise UserError(f"{source} observations.height_scan: params must be a mapping")
    missing = [key for key in ISAAC_ROUGH_SCAN if key not in params]
    if missing:
        defaults = ", ".join(f"{key} {ISAAC_ROUGH_SCAN[key]}" for key in missing)
        assumptions.append(
            f"{source} observations.height_scan: no {', '.join(missing)} in params: Isaac Lab's rough task's {defaults}"
        )
    return {key: params.get(key, default) for key, default in ISAAC_ROUGH_SCAN.items()}


def _decimation(step_dt, sim_dt: float, source: str) -> int:
    """step_dt / sim_dt, which must be a whole number >= 1."""
    if not isinstance(step_dt, (int, float)) or isinstance(step_dt, bool) or step_dt <= 0:
        raise UserError(f"{source}: step_dt must be a positive number of seconds, got {step_dt}")
    ratio = step_dt / sim_dt
    if round(ratio) < 1 or abs(ratio - round(ratio)) > 1e-6:
        raise UserError(f"{source}: step_dt {step_dt} is not a whole multiple of sim_dt {sim_dt}")
    return int(round(ratio))


def from_deploy_yaml(data: dict, source: str, sim_dt: float | None = None, robot: str | None = None) -> Conventions:
    """Conventions of a deploy.yaml; `sim_dt` (s) overrides or supplies the physics step; `robot`
    (a name or robot.yaml path; default: recognised from the joint count) is the robot."""
    facts = require(
        data,
        {
            "joint_ids_map": "SDK motor index of each policy joint",
            "step_dt": "policy period, s",
            "stiffness": "PD stiffness per joint",
            "damping": "PD damping per joint",
            "default_joint_pos": "default joint angles per joint",
            "actions": "the joint-position action term",
            "observations": "ordered observation terms",
            **{f"commands.{VELOCITY_COMMAND}.ranges.{n}": "training command range" for n in VELOCITY_COMMANDS},
        },
        source,
    )
    joint_ids_map = facts["joint_ids_map"]
    if robot is not None:
        description = load_robot(robot)
    else:
        count = len(joint_ids_map) if isinstance(joint_ids_map, list) else None
        description = recognise_robot(f"{source} joint_ids_map", joint_count=count)
    names = policy_joint_names(joint_ids_map, description, source)
    where, action = _action_term(facts["actions"], source)
    action_names = _action_joints(action, names, where)
    action_joints = action_names or names
    physics_dt, decimation, timing_notes, assumptions = _timing(data, sim_dt, description, source)
    ranges = {n: facts[f"commands.{VELOCITY_COMMAND}.ranges.{n}"] for n in VELOCITY_COMMANDS}
    kp = dict(zip(names, _sdk_indexed(facts["stiffness"], joint_ids_map, description, "stiffness", source)))
    kd = dict(zip(names, _sdk_indexed(facts["damping"], joint_ids_map, description, "damping", source)))
    return Conventions(
        robot=robot or description.name,
        joint_names=names,
        action_joint_names=action_names,
        default_joint_pos=per_joint(facts["default_joint_pos"], names, "default_joint_pos", source),
        action_scale=per_joint(action["scale"], action_joints, "action scale", where),
        action_offset=per_joint(action["offset"], action_joints, "action offset", where),
        action_clip=_action_clip(action["clip"], len(names), where),
        action_latency=False,
        actuator="pd",
        kp=[kp[n] for n in action_joints],
        kd=[kd[n] for n in action_joints],
        dc_motor=None,
        sim_dt=physics_dt,
        decimation=decimation,
        observations=_observations(facts["observations"], source),
        height_scan=_height_scan(facts["observations"], source, assumptions),
        command_ranges={n: [float(v) for v in r] for n, r in ranges.items()},
        source=source,
        notes=[
            "actuator: deploy.yaml gains run on the robot's motor PD loop -> law pd, clipped to the MJCF motor limits",
            "action latency: none (Isaac Lab applies the action in the same step)",
            "action clip: applied to raw actions (Isaac Lab clips processed targets; identical while |a| < clip)",
            *timing_notes,
        ],
        assumptions=assumptions,
    )
