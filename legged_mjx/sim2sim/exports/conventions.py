"""A policy's conventions (what it assumes about the robot interface) in one object, read from an
Isaac Lab `params/env.yaml`, a `deploy.yaml` or this project's profile, for any robot that has a
description (legged_mjx/robots.py: its joint orders); export_task.py turns Conventions into the
task config that runs the policy.

The profile (`profile: sim2sim-conventions-v1`) states every fact explicitly; it is also what the
report writes as `conventions.yaml`, so a report's conventions can be edited and fed back:

    profile: sim2sim-conventions-v1
    robot: go2                          # a shipped robot (assets/<robot>/robot.yaml) or a robot.yaml path
    joint_names: isaac                  # a joint order of the robot's description, or a list of joint
                                        # names: the policy's observation order (joint terms)
    action_joint_names: null            # optional: the action order, if it differs (null: joint_names)
    default_joint_pos: [0.1, -0.1, ...] # rad, joint_names order (or {joint regex: rad})
    action: {scale: 0.25, offset: default, clip: 100.0, latency: false}   # target = offset + scale * a
    actuator: {law: dc_motor, kp: 25.0, kd: 0.5, saturation_effort: 23.5, velocity_limit: 30.0, effort_limit: 23.5}
    sim: {dt: 0.005, decimation: 4}
    observations:                       # in order; value = scale * clip(term, -clip, clip), history oldest first
      - {term: base_ang_vel, scale: 0.2, clip: 100.0, history_length: 1}
    height_scan: null                   # for a height_scan term: {size: [1.6, 1.0], resolution: 0.1,
                                        # ordering: xy, offset: 0.5} (Isaac Lab's grid, m; docs/terrain.md)
    commands: {lin_vel_x: [-1.0, 1.0], lin_vel_y: [-0.4, 0.4], ang_vel_z: [-1.0, 1.0]}
    notes: [...]                        # optional: approximations made reading the original source
    assumptions: [...]                  # optional: facts the original source did not state

Per-joint values accept a number, a list or a {joint regex: value} mapping: default_joint_pos in
joint_names order; action scale and offset, kp and kd in the action order. `actuator.law` is `pd`
(PD clipped to the MJCF motor limits) or `dc_motor` (Isaac Lab's DCMotor torque-speed clip, scalar
limits). A profile without `robot` is recognised from its joint names.
"""

import math
from dataclasses import dataclass, field

from legged_mjx.errors import UserError
from legged_mjx.observations import OBS_TERMS, ObsTerm
from legged_mjx.sim2sim.exports.facts import per_joint, require, symmetric_clip
from legged_mjx.robots import RobotDescription, load_robot, recognise_robot
from legged_mjx.sim2sim.velocity import VELOCITY_COMMANDS

PROFILE_TAG = "sim2sim-conventions-v1"
DC_MOTOR_KEYS = ("saturation_effort", "velocity_limit", "effort_limit")  # N m, rad/s, N m
ACTUATOR_LAWS = ("pd", "dc_motor")
HEIGHT_SCAN_KEYS = ("size", "resolution", "ordering", "offset")  # [x, y] m, m, "xy" | "yx", m


@dataclass
class Conventions:
    """Everything a velocity policy assumes about its interface (SI units, rad).

    `joint_names` is the policy's joint order for observations (joint_pos_rel, ...) and, unless
    `action_joint_names` gives another, for actions; names are the robot's MJCF joint names.
    default_joint_pos follows joint_names; action_scale, action_offset, kp and kd follow the action
    order (`action_joints`).
    """

    robot: str  # a shipped robot's name or the path of a robot.yaml (legged_mjx/robots.py)
    joint_names: list
    default_joint_pos: list  # rad
    action_scale: list  # joint target = action_offset + action_scale * action
    action_offset: list  # rad
    action_clip: float  # raw actions clipped to +-action_clip (inf: no clip)
    action_latency: bool  # the applied action is the previous step's
    actuator: str  # "pd" | "dc_motor"
    kp: list  # N m / rad
    kd: list  # N m s / rad
    dc_motor: dict | None  # DC_MOTOR_KEYS -> float, for actuator "dc_motor"
    sim_dt: float  # s
    decimation: int  # physics steps per policy step
    observations: list  # ObsTerm, in policy input order
    command_ranges: dict  # VELOCITY_COMMANDS -> [low, high], the training ranges
    action_joint_names: list | None = None  # the action order where it differs from joint_names
    height_scan: dict | None = None  # HEIGHT_SCAN_KEYS: the grid a height_scan term reads (TerrainCfg's height_scan_*)
    source: str = ""  # where these facts came from
    notes: list = field(default_factory=list)  # approximations made while reading the source
    assumptions: list = field(default_factory=list)  # facts the source does not state, assumed while reading it

    def __post_init__(self):
        self.validate()

    @property
    def action_joints(self) -> list:
        return list(self.action_joint_names or self.joint_names)

    def validate(self) -> None:
        where = self.source or "conventions"
        check_joints(load_robot(self.robot), self.joint_names, where)
        check_joints(load_robot(self.robot), self.action_joints, where)
        count = len(self.joint_names)
        for name in ("default_joint_pos", "action_scale", "action_offset", "kp", "kd"):
            if len(getattr(self, name)) != count:
                raise UserError(f"{where}: {name} needs {count} values (one per joint)")
        if self.actuator not in ACTUATOR_LAWS:
            raise UserError(f"{where}: unknown actuator law '{self.actuator}' (known: {', '.join(ACTUATOR_LAWS)})")
        if self.actuator == "dc_motor" and sorted(self.dc_motor or {}) != sorted(DC_MOTOR_KEYS):
            raise UserError(f"{where}: the dc_motor law needs {', '.join(DC_MOTOR_KEYS)}")
        if not (self.sim_dt > 0 and isinstance(self.decimation, int) and self.decimation >= 1):
            raise UserError(f"{where}: need sim_dt > 0 and an integer decimation >= 1")
        unknown = [t.name for t in self.observations if t.name not in OBS_TERMS]
        if unknown or not self.observations:
            raise UserError(f"{where}: unknown or no observation terms: {', '.join(unknown) or 'none given'}")
        scans = any(t.name == "height_scan" for t in self.observations)
        if scans and sorted(self.height_scan or {}) != sorted(HEIGHT_SCAN_KEYS):
            raise UserError(f"{where}: a height_scan observation needs height_scan: {{{', '.join(HEIGHT_SCAN_KEYS)}}}")
        ranges_ok = all(
            isinstance(self.command_ranges.get(n), list) and len(self.command_ranges[n]) == 2 for n in VELOCITY_COMMANDS
        )
        if not ranges_ok:
            raise UserError(f"{where}: command ranges need [low, high] for {', '.join(VELOCITY_COMMANDS)}")


def check_joints(robot: RobotDescription, joint_names: list, source: str) -> None:
    """UserError unless `joint_names` are the robot's joints (any order)."""
    if sorted(joint_names) != sorted(robot.joints):
        raise UserError(
            f"{source}: joint names must be the {len(robot.joints)} joints of robot {robot.name}"
            f" ({robot.path}), got {joint_names}"
        )


def joint_names_of(value, robot: RobotDescription, source: str) -> list:
    """The robot's joints from a list of their names or the name of one of its joint orders."""
    if isinstance(value, str):
        return robot.joint_names(value, f"{source} joint_names")
    if not isinstance(value, list):
        raise UserError(f"{source}: joint_names must be a list of joint names or a joint order's name")
    names = [str(name) for name in value]
    check_joints(robot, names, source)
    return names


def obs_term(name: str, scale, clip, history_length, source: str) -> ObsTerm:
    """An ObsTerm from file values: scale null = 1 (no scaling), clip null = none, history 0 or 1 = none."""
    if name not in OBS_TERMS:
        raise UserError(f"{source}: observation term '{name}' is not available (known: {', '.join(sorted(OBS_TERMS))})")
    if scale is None:
        scale = 1.0
    elif isinstance(scale, list):
        scale = [float(s) for s in scale]
    else:
        scale = float(scale)
    bound = symmetric_clip(clip, f"clip of observation '{name}'", source)
    history = int(history_length or 1)
    if history < 1:
        raise UserError(f"{source}: history_length of observation '{name}' must be >= 0")
    return ObsTerm(name, scale, None if math.isinf(bound) else bound, history)


def from_profile(data: dict, source: str, robot: str | None = None) -> Conventions:
    """Conventions from this project's profile (see the module docstring); `robot` (--robot)
    names the robot where the profile does not."""
    facts = require(
        data,
        {
            "joint_names": "policy joint order",
            "default_joint_pos": "default joint angles, rad",
            "action.scale": "action scale",
            "action.offset": "action offset, rad, or 'default'",
            "action.clip": "raw action clip",
            "action.latency": "one-step action latency, true/false",
            "actuator.law": "pd or dc_motor",
            "actuator.kp": "PD stiffness, N m/rad",
            "actuator.kd": "PD damping, N m s/rad",
            "sim.dt": "physics timestep, s",
            "sim.decimation": "physics steps per policy step",
            "observations": "ordered observation terms",
            **{f"commands.{n}": "training command range [low, high]" for n in VELOCITY_COMMANDS},
        },
        source,
    )
    stated = data.get("robot")
    if stated is not None and robot is not None and load_robot(str(stated)) != load_robot(robot):
        raise UserError(f"{source}: the profile is for robot {stated}, --robot says {robot}")
    robot = robot or (None if stated is None else str(stated))
    if robot is not None:
        description = load_robot(robot)
    elif isinstance(facts["joint_names"], list):
        description = recognise_robot(source, joint_names=[str(n) for n in facts["joint_names"]])
    else:
        raise UserError(f"{source}: joint_names '{facts['joint_names']}' names an order; say whose with robot: NAME")
    names = joint_names_of(facts["joint_names"], description, source)
    action_names = data.get("action_joint_names")
    if action_names is not None:
        action_names = joint_names_of(action_names, description, f"{source} action_joint_names")
    action_joints = action_names or names
    law = facts["actuator.law"]
    dc_motor = None
    if law == "dc_motor":
        limits = require(data, {f"actuator.{k}": "DC-motor limit" for k in DC_MOTOR_KEYS}, source)
        dc_motor = {k: float(limits[f"actuator.{k}"]) for k in DC_MOTOR_KEYS}
    terms = facts["observations"]
    if not isinstance(terms, list):
        raise UserError(f"{source}: observations must be a list of {{term, scale, clip, history_length}}")
    observations = []
    for i, term in enumerate(terms):
        spec = require(
            term if isinstance(term, dict) else {},
            {"term": "term name", "scale": "scale", "clip": "clip", "history_length": "history length"},
            f"{source} observations[{i}]",
        )
        observations.append(obs_term(spec["term"], spec["scale"], spec["clip"], spec["history_length"], source))
    default = per_joint(facts["default_joint_pos"], names, "default_joint_pos", source)
    offset = facts["action.offset"]
    if offset == "default":
        by_name = dict(zip(names, default))
        offset = [by_name[n] for n in action_joints]
    return Conventions(
        robot=robot or description.name,
        joint_names=names,
        action_joint_names=action_names,
        default_joint_pos=default,
        action_scale=per_joint(facts["action.scale"], action_joints, "action.scale", source),
        action_offset=per_joint(offset, action_joints, "action.offset", source),
        action_clip=symmetric_clip(facts["action.clip"], "action.clip", source),
        action_latency=bool(facts["action.latency"]),
        actuator=law,
        kp=per_joint(facts["actuator.kp"], action_joints, "actuator.kp", source),
        kd=per_joint(facts["actuator.kd"], action_joints, "actuator.kd", source),
        dc_motor=dc_motor,
        sim_dt=float(facts["sim.dt"]),
        decimation=facts["sim.decimation"],
        observations=observations,
        command_ranges={n: [float(v) for v in facts[f"commands.{n}"]] for n in VELOCITY_COMMANDS},
        height_scan=data.get("height_scan"),
        source=source,
        notes=[str(note) for note in data.get("notes", [])],
        assumptions=[str(fact) for fact in data.get("assumptions", [])],
    )


def to_profile(conv: Conventions) -> dict:
    """The profile dict of `conv` (from_profile(to_profile(c)) == c, up to source)."""
    actuator = {"law": conv.actuator, "kp": list(conv.kp), "kd": list(conv.kd), **(conv.dc_motor or {})}
    return {
        "profile": PROFILE_TAG,
        "robot": conv.robot,
        "joint_names": list(conv.joint_names),
        "action_joint_names": None if conv.action_joint_names is None else list(conv.action_joint_names),
        "default_joint_pos": list(conv.default_joint_pos),
        "action": {
            "scale": list(conv.action_scale),
            "offset": list(conv.action_offset),
            "clip": None if math.isinf(conv.action_clip) else conv.action_clip,
            "latency": conv.action_latency,
        },
        "actuator": actuator,
        "sim": {"dt": conv.sim_dt, "decimation": conv.decimation},
        "observations": [
            {"term": t.name, "scale": t.scale, "clip": t.clip, "history_length": t.history_length}
            for t in conv.observations
        ],
        "commands": {n: list(conv.command_ranges[n]) for n in VELOCITY_COMMANDS},
        "height_scan": None if conv.height_scan is None else dict(conv.height_scan),
        "notes": list(conv.notes),
        "assumptions": list(conv.assumptions),
    }
