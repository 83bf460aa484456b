"""Conventions from an Isaac Lab run's `params/env.yaml` (the dumped manager-based env config of the
stock velocity task).

Facts read: sim.dt, decimation; scene.robot.init_state.joint_pos ({joint regex: rad});
scene.robot.actuators.<group> (class_type, joint_names_expr, stiffness, damping and, per class,
effort_limit / velocity_limit / saturation_effort; values are numbers or {joint regex: value});
actions.<term> (joint_names, preserve_order, scale, offset, use_default_offset, clip);
observations.policy.<term> (func, params, scale, clip, history_length; a group-level
history_length overrides the terms'); commands.base_velocity.ranges; for a `height_scan` term, the
ray caster its params.sensor_cfg names (scene.<name>: pattern_cfg resolution, size, ordering;
attach_yaw_only or ray_alignment; offset.pos) and the term's params.offset.

Isaac Lab 1.x files (`omni.isaac.lab.*` and the older `omni.isaac.orbit.*` function paths), YAML
anchors and aliases, and keys later versions added are read as their version wrote them: an
action term without `clip` has no clip, a term without `history_length` no history, a grid
pattern without `ordering` Isaac Lab's "xy", a height_scan without `offset` the function's default
0.5 m. Each such default is listed among the assumptions.

Isaac Lab's joint order is the articulation's (PhysX) order, which env.yaml does not store: it is
the robot description's `isaac` order (legged_mjx/robots.py). The robot is recognised from the
default pose's joint regexes unless --robot names it. An actuator group whose stiffness or damping
is null (Isaac Lab then keeps the USD's drive gains) takes the description's default gains.
"""

import re

from legged_mjx.errors import UserError
from legged_mjx.sim2sim.exports.conventions import DC_MOTOR_KEYS, Conventions, obs_term
from legged_mjx.sim2sim.exports.facts import lookup, match_joints, per_joint, require, symmetric_clip
from legged_mjx.robots import RobotDescription, load_robot, recognise_robot
from legged_mjx.sim2sim.velocity import VELOCITY_COMMANDS

# Isaac Lab observation functions -> this project's OBS_TERMS (same frames and units).
OBS_FUNCS = {
    "base_lin_vel": "base_lin_vel",
    "base_ang_vel": "base_ang_vel",
    "projected_gravity": "projected_gravity",
    "generated_commands": "velocity_commands",
    "joint_pos": "joint_pos",
    "joint_pos_rel": "joint_pos_rel",
    "joint_vel": "joint_vel",
    "joint_vel_rel": "joint_vel_rel",
    "last_action": "last_action",
    "height_scan": "height_scan",
}
HEIGHT_SCAN_OFFSET = 0.5  # m, the default of Isaac Lab's height_scan(env, sensor_cfg, offset=0.5)
# The height scanner of Isaac Lab's rough velocity task (LocomotionVelocityRoughEnvCfg.scene.height_scanner:
# GridPatternCfg(resolution=0.1, size=[1.6, 1.0]), whose default ordering is "xy") with height_scan's offset.
ISAAC_ROUGH_SCAN = {"size": [1.6, 1.0], "resolution": 0.1, "ordering": "xy", "offset": HEIGHT_SCAN_OFFSET}
GROUP_SETTINGS = {"concatenate_terms", "enable_corruption", "history_length", "flatten_history_dim", "concatenate_dim"}


def is_isaac_env_yaml(data: dict) -> bool:
    return {"scene", "observations", "actions", "decimation"} <= set(data)


def _func_name(func) -> str:
    """'isaaclab.envs.mdp.observations:base_ang_vel' (or a dotted name) -> 'base_ang_vel'."""
    return re.split(r"[:.]", str(func))[-1]


def _observations(group: dict, data: dict, source: str) -> tuple[list, list, list, dict | None]:
    """(ObsTerms in order, notes, assumptions, height scanner or None) of observations.policy."""
    notes, assumptions, terms, scanner, no_history = [], [], [], None, []
    group_history = group.get("history_length")
    for name, term in group.items():
        if name in GROUP_SETTINGS or term is None:  # settings, or a term disabled with None
            continue
        where = f"{source} observations.policy.{name}"
        keys = {"func": "term function", "scale": "scale", "clip": "clip"}
        spec = require(term if isinstance(term, dict) else {}, keys, where)
        func = _func_name(spec["func"])
        if func not in OBS_FUNCS:
            known = ", ".join(OBS_FUNCS)
            raise UserError(f"{where}: observation function '{func}' has no MuJoCo counterpart here (known: {known})")
        if func == "generated_commands" and (term.get("params") or {}).get("command_name") != "base_velocity":
            raise UserError(f"{where}: only the base_velocity command can be observed")
        if func == "height_scan":
            scanner = _height_scanner(term.get("params") or {}, data, source, where, assumptions)
        if group_history is not None:
            history = group_history
        elif "history_length" in term:
            history = term["history_length"]
        else:
            history = 0
            no_history.append(name)
        terms.append(obs_term(OBS_FUNCS[func], spec["scale"], spec["clip"], history, source))
    if no_history:
        where = f"{source} observations.policy"
        assumptions.append(
            f"{where}: no history_length key (Isaac Lab before 2.0): no history for {', '.join(no_history)}"
        )
    if group.get("enable_corruption"):
        notes.append("observation noise (enable_corruption) is not applied: evaluation is noise-free")
    return terms, notes, assumptions, scanner


def _height_scanner(params: dict, data: dict, source: str, where: str, assumptions: list) -> dict:
    """The height scan's layout ({size, resolution, ordering, offset}: TerrainCfg's height_scan_*)
    from the ray caster that params.sensor_cfg.name names in the scene: a downward grid pattern,
    yaw-aligned, on the base (its offset.pos z only lifts the rays' start; the scan is measured from
    the base's height, Isaac Lab's sensor.data.pos_w)."""
    name = (params.get("sensor_cfg") or {}).get("name")
    sensor = lookup(data, f"scene.{name}") if name else None
    if not isinstance(sensor, dict):
        raise UserError(f"{where}: params.sensor_cfg.name must name a ray caster in scene, got {name!r}")
    here = f"{source} scene.{name}"
    spec = require(sensor, {"pattern_cfg.resolution": "grid spacing, m", "pattern_cfg.size": "grid [x, y], m"}, here)
    pattern = sensor["pattern_cfg"]
    if _func_name(pattern.get("func", "grid_pattern")) != "grid_pattern":
        raise UserError(f"{here}: pattern {pattern.get('func')} is not supported (grid_pattern only)")
    if [float(v) for v in pattern.get("direction", (0.0, 0.0, -1.0))] != [0.0, 0.0, -1.0]:
        raise UserError(f"{here}: only downward rays (direction (0, 0, -1)) are supported")
    yaw_only = sensor.get("ray_alignment", "yaw" if sensor.get("attach_yaw_only") else "base") == "yaw"
    if not yaw_only:
        raise UserError(f"{here}: only a yaw-aligned height scanner (attach_yaw_only / ray_alignment yaw) is supported")
    position = lookup(sensor, "offset.pos")
    if isinstance(position, (list, tuple)) and [float(v) for v in position[:2]] != [0.0, 0.0]:
        raise UserError(f"{here}: a sensor offset in x or y ({list(position[:2])}) is not supported")
    ordering = pattern.get("ordering")
    if ordering is None:
        ordering = "xy"
        assumptions.append(
            f"{here}.pattern_cfg: no ordering key (Isaac Lab before 2.0): the grid's x runs fastest (xy)"
        )
    scan_offset = params.get("offset")
    if scan_offset is None:
        scan_offset = HEIGHT_SCAN_OFFSET
        assumptions.append(f"{where}: no params.offset: Isaac Lab's default {HEIGHT_SCAN_OFFSET} m")
    size = [float(v) for v in spec["pattern_cfg.size"]]
    return {
        "size": size,
        "resolution": float(spec["pattern_cfg.resolution"]),
        "ordering": ordering,
        "offset": float(scan_offset),
    }


def _action_joint_order(term: dict, asset_names: list, source: str) -> list:
    """Isaac Lab's resolve_matching_names: asset order, or the expressions' order with preserve_order."""
    expressions = term["joint_names"]
    if not isinstance(expressions, list):
        raise UserError(f"{source}: actions joint_names must be a list of regexes")
    try:
        compiled = [re.compile(e) for e in expressions]
    except re.error as error:
        raise UserError(f"{source}: bad joint regex in joint_names: {error}") from None
    if term.get("preserve_order"):
        return [n for regex in compiled for n in asset_names if regex.fullmatch(n)]
    return [n for n in asset_names if any(regex.fullmatch(n) for regex in compiled)]


def _gain(value, name: str, key: str, robot: RobotDescription, where: str, notes: list) -> float:
    """A group's stiffness or damping of one joint; null (the USD's drive gain) takes the robot
    description's default."""
    if value is None:
        notes.append(f"{where.split()[-1]} {key} null (the USD's drive gains): {robot.name}'s default_gains used")
        return robot.per_joint(robot.default_gains["kp" if key == "stiffness" else "kd"], [name], "default_gains")[0]
    return per_joint(value, [name], key, where)[0]


def _actuators(groups, names: list, robot: RobotDescription, source: str) -> tuple:
    """((law, dc_motor, notes), kp, kd) from the actuator groups, per joint in `names` order."""
    if not isinstance(groups, dict) or not groups:
        raise UserError(f"{source}: scene.robot.actuators has no actuator groups")
    patterns = _group_patterns(groups, source)
    owners = [patterns[key] for key in match_joints(patterns, names, "actuator joint_names_expr", source)]
    kp, kd, classes, limits, gain_notes = [], [], set(), {k: set() for k in DC_MOTOR_KEYS}, []
    for name, owner in zip(names, owners):
        group, where = groups[owner], f"{source} scene.robot.actuators.{owner}"
        keys = {"class_type": "actuator class", "stiffness": "PD stiffness", "damping": "PD damping"}
        spec = require(group, keys, where)
        kp.append(_gain(spec["stiffness"], name, "stiffness", robot, where, gain_notes))
        kd.append(_gain(spec["damping"], name, "damping", robot, where, gain_notes))
        kind = _func_name(spec["class_type"])
        classes.add(kind)
        if kind == "DCMotor":
            values = require(group, {k: "DC-motor limit" for k in DC_MOTOR_KEYS}, where)
            for key in DC_MOTOR_KEYS:
                limits[key].add(per_joint(values[key], [name], key, where)[0])
        elif kind in ("IdealPDActuator", "ImplicitActuator"):
            effort = require(group, {"effort_limit": "torque limit, N m"}, where)["effort_limit"]
            if kind == "ImplicitActuator" and group.get("effort_limit_sim") is not None:
                effort = group["effort_limit_sim"]  # Isaac Lab 2.x: the limit PhysX applies
            if effort is not None:
                value = per_joint(effort, [name], "effort_limit", where)[0]
                limits["saturation_effort"].add(value)
                limits["effort_limit"].add(value)
                limits["velocity_limit"].add(float("inf"))
        else:
            known = "DCMotor, IdealPDActuator, ImplicitActuator"
            raise UserError(f"{where}: actuator class '{kind}' is not supported ({known})")
    law, dc_motor, notes = _actuator_law(classes, limits, source)
    return (law, dc_motor, [*notes, *dict.fromkeys(gain_notes)]), kp, kd


def _actuator_law(classes: set, limits: dict, source: str) -> tuple:
    if len(classes) != 1:
        kinds = ", ".join(sorted(classes))
        raise UserError(f"{source}: joints use different actuator classes ({kinds}): not supported")
    kind = classes.pop()
    if not limits["effort_limit"]:
        return "pd", None, [f"actuator {kind} without effort_limit: PD clipped to the MJCF motor limits"]
    if any(len(values) != 1 for values in limits.values()):
        raise UserError(f"{source}: per-joint DC-motor limits differ ({limits}): only uniform limits are supported")
    dc_motor = {key: values.pop() for key, values in limits.items()}
    notes = []
    if kind != "DCMotor":
        notes.append(f"actuator {kind}: tau = clip(PD, +-effort_limit), expressed as dc_motor with velocity_limit inf")
    if kind == "ImplicitActuator":
        notes.append("ImplicitActuator: PhysX's implicit PD is approximated by an explicit PD at the physics rate")
    return "dc_motor", dc_motor, notes


def _group_patterns(groups: dict, source: str) -> dict:
    """{one regex alternating a group's joint_names_expr: group name}."""
    patterns = {}
    for group_name, group in groups.items():
        expressions = (group or {}).get("joint_names_expr")
        if not isinstance(expressions, list) or not expressions:
            raise UserError(f"{source}: actuator group {group_name} needs joint_names_expr (a list of joint regexes)")
        patterns["|".join(f"(?:{e})" for e in expressions)] = group_name
    return patterns


def _robot(joint_pos, robot: str | None, source: str) -> RobotDescription:
    """The robot: named (--robot), or recognised from the default pose's joint regexes."""
    if not isinstance(joint_pos, dict):
        raise UserError(f"{source}: scene.robot.init_state.joint_pos must map joint regexes to angles")
    if robot is None:
        return recognise_robot(f"{source} init_state.joint_pos", joint_patterns=list(joint_pos))
    description = load_robot(robot)
    try:
        foreign = [key for key in joint_pos if not any(re.fullmatch(key, name) for name in description.joints)]
    except re.error as error:
        raise UserError(f"{source}: bad joint regex in init_state.joint_pos: {error}") from None
    if foreign:
        raise UserError(f"{source}: init_state.joint_pos names joints {', '.join(foreign)} that robot {robot} lacks")
    return description


def from_isaac_env_yaml(data: dict, source: str, robot: str | None = None) -> Conventions:
    """Conventions of an Isaac Lab env.yaml; `robot` (a name or robot.yaml path; default:
    recognised from the default pose) is the robot."""
    facts = require(
        data,
        {
            "sim.dt": "physics timestep, s",
            "decimation": "physics steps per policy step",
            "scene.robot.init_state.joint_pos": "default joint angles {regex: rad}",
            "scene.robot.actuators": "actuator groups",
            "actions": "the joint-position action term",
            "observations.policy": "the policy observation group",
            **{f"commands.base_velocity.ranges.{n}": "training command range" for n in VELOCITY_COMMANDS},
        },
        source,
    )
    description = _robot(facts["scene.robot.init_state.joint_pos"], robot, source)
    asset_names = description.joint_names("isaac", "an env.yaml, which does not store its joint order")
    if not isinstance(facts["actions"], dict) or len(facts["actions"]) != 1:
        raise UserError(f"{source}: actions must hold exactly one joint-position action term")
    ((action_name, action),) = facts["actions"].items()
    action_where = f"{source} actions.{action_name}"
    action = action if isinstance(action, dict) else {}
    keys = {
        "joint_names": "joint regexes",
        "scale": "action scale",
        "offset": "action offset",
        "use_default_offset": "offset = default pose",
    }
    require(action, keys, action_where)
    assumptions = []
    if "clip" not in action:
        assumptions.append(f"{action_where}: no clip key (Isaac Lab before 2.0): actions are not clipped")
    names = asset_names  # observations follow the articulation order
    action_joints = _action_joint_order(action, asset_names, action_where)
    if sorted(action_joints) != sorted(asset_names):
        raise UserError(f"{action_where}: the action must drive every joint once, got {action_joints}")
    default = per_joint(facts["scene.robot.init_state.joint_pos"], names, "init_state.joint_pos", source)
    if action["use_default_offset"]:
        by_name = dict(zip(names, default))
        offset = [by_name[n] for n in action_joints]
    else:
        offset = per_joint(action["offset"], action_joints, "action offset", action_where)
    (law, dc_motor, actuator_notes), kp, kd = _actuators(
        facts["scene.robot.actuators"], action_joints, description, source
    )
    observations, obs_notes, obs_assumptions, height_scan = _observations(
        facts["observations.policy"] or {}, data, source
    )
    notes = [
        f"joint order: Isaac Lab's articulation order of {description.name} (its description; not stored in env.yaml)",
        "action latency: none (Isaac Lab applies the action in the same step)",
        *actuator_notes,
        *obs_notes,
    ]
    if (data.get("commands", {}).get("base_velocity") or {}).get("heading_command"):
        notes.append("heading_command: replaced by constant yaw-rate commands in the sweep")
    clip = action.get("clip")
    if clip is not None:
        notes.append("action clip: applied to raw actions (Isaac Lab clips processed targets)")
    if isinstance(clip, dict):  # {joint regex: [low, high]}: must be one symmetric range for all joints
        ranges = {tuple(clip[k]) for k in match_joints(clip, action_joints, "action clip", action_where)}
        clip = list(ranges.pop()) if len(ranges) == 1 else clip
    return Conventions(
        robot=robot or description.name,
        joint_names=names,
        action_joint_names=None if action_joints == names else action_joints,
        default_joint_pos=default,
        action_scale=per_joint(action["scale"], action_joints, "action scale", action_where),
        action_offset=offset,
        action_clip=symmetric_clip(clip, "action clip", action_where),
        action_latency=False,
        actuator=law,
        kp=kp,
        kd=kd,
        dc_motor=dc_motor,
        sim_dt=float(facts["sim.dt"]),
        decimation=facts["decimation"],
        observations=observations,
        command_ranges={n: [float(v) for v in facts[f"commands.base_velocity.ranges.{n}"]] for n in VELOCITY_COMMANDS},
        height_scan=height_scan,
        source=source,
        notes=notes,
        assumptions=[*assumptions, *obs_assumptions],
    )
