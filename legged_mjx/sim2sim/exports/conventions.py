"""A policy's conventions (what it assumes about the robot interface) in one object, read from an
Isaac Lab `params/env.yaml`, a `deploy.yaml` or this project's profile, for the Go2 (isaac_go2.py
ties this path to it and turns Conventions into a Go2 TaskCfg).

The profile (`profile: sim2sim-conventions-v1`) states every fact explicitly; it is also what the
report writes as `conventions.yaml`, so a report's conventions can be edited and fed back:

    profile: sim2sim-conventions-v1
    joint_names: isaac                  # or a list of MJCF joint names (policy action/observation order)
    default_joint_pos: [0.1, -0.1, ...] # rad, joint_names order (or {joint regex: rad})
    action: {scale: 0.25, offset: default, clip: 100.0, latency: false}   # target = offset + scale * a
    actuator: {law: dc_motor, kp: 25.0, kd: 0.5, saturation_effort: 23.5, velocity_limit: 30.0, effort_limit: 23.5}
    sim: {dt: 0.005, decimation: 4}
    observations:                       # in order; value = scale * clip(term, -clip, clip), history oldest first
      - {term: base_ang_vel, scale: 0.2, clip: 100.0, history_length: 1}
    commands: {lin_vel_x: [-1.0, 1.0], lin_vel_y: [-0.4, 0.4], ang_vel_z: [-1.0, 1.0]}
    notes: [...]                        # optional: approximations made reading the original source
    assumptions: [...]                  # optional: facts the original source did not state

Per-joint values (default_joint_pos, action scale/offset, kp, kd) accept a number, a list in
joint_names order or a {joint regex: value} mapping. `actuator.law` is `pd` (PD clipped to the
MJCF motor limits) or `dc_motor` (Isaac Lab's DCMotor torque-speed clip, scalar limits).
"""

import math
from dataclasses import dataclass, field

from legged_mjx.errors import UserError
from legged_mjx.observations import OBS_TERMS, ObsTerm
from legged_mjx.sim2sim.exports.facts import per_joint, require, symmetric_clip
from legged_mjx.sim2sim.isaac_go2 import check_go2_joints, joint_names_of
from legged_mjx.sim2sim.velocity import VELOCITY_COMMANDS

PROFILE_TAG = "sim2sim-conventions-v1"
DC_MOTOR_KEYS = ("saturation_effort", "velocity_limit", "effort_limit")  # N m, rad/s, N m
ACTUATOR_LAWS = ("pd", "dc_motor")


@dataclass
class Conventions:
    """Everything a Go2 velocity policy assumes about its interface (SI units, rad).

    Per-joint lists follow `joint_names`, the policy's action AND observation order (MJCF names).
    """

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
    source: str = ""  # where these facts came from
    notes: list = field(default_factory=list)  # approximations made while reading the source
    assumptions: list = field(default_factory=list)  # facts the source does not state, assumed while reading it

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        where = self.source or "conventions"
        count = len(self.joint_names)
        check_go2_joints(self.joint_names, where)
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
        ranges_ok = all(
            isinstance(self.command_ranges.get(n), list) and len(self.command_ranges[n]) == 2 for n in VELOCITY_COMMANDS
        )
        if not ranges_ok:
            raise UserError(f"{where}: command ranges need [low, high] for {', '.join(VELOCITY_COMMANDS)}")


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


def from_profile(data: dict, source: str) -> Conventions:
    """Conventions from this project's profile (see the module docstring)."""
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
    names = joint_names_of(facts["joint_names"], source)
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
    return Conventions(
        joint_names=names,
        default_joint_pos=default,
        action_scale=per_joint(facts["action.scale"], names, "action.scale", source),
        action_offset=list(default) if offset == "default" else per_joint(offset, names, "action.offset", source),
        action_clip=symmetric_clip(facts["action.clip"], "action.clip", source),
        action_latency=bool(facts["action.latency"]),
        actuator=law,
        kp=per_joint(facts["actuator.kp"], names, "actuator.kp", source),
        kd=per_joint(facts["actuator.kd"], names, "actuator.kd", source),
        dc_motor=dc_motor,
        sim_dt=float(facts["sim.dt"]),
        decimation=facts["sim.decimation"],
        observations=observations,
        command_ranges={n: [float(v) for v in facts[f"commands.{n}"]] for n in VELOCITY_COMMANDS},
        source=source,
        notes=[str(note) for note in data.get("notes", [])],
        assumptions=[str(fact) for fact in data.get("assumptions", [])],
    )


def to_profile(conv: Conventions) -> dict:
    """The profile dict of `conv` (from_profile(to_profile(c)) == c, up to source)."""
    actuator = {"law": conv.actuator, "kp": list(conv.kp), "kd": list(conv.kd), **(conv.dc_motor or {})}
    return {
        "profile": PROFILE_TAG,
        "joint_names": list(conv.joint_names),
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
        "notes": list(conv.notes),
        "assumptions": list(conv.assumptions),
    }
