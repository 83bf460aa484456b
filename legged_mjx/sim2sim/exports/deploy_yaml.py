"""Conventions from a `deploy.yaml` exported beside an Isaac Lab policy (unitree_rl_lab schema),
read as published.

Facts read: joint_ids_map (policy joint i drives Unitree SDK motor joint_ids_map[i], which names
the joint; any permutation), step_dt and, where given, sim_dt (decimation = step_dt / sim_dt),
stiffness, damping and default_joint_pos (numbers or lists in policy order),
commands.base_velocity.ranges, the one joint-position action term (scale and offset as numbers or
policy-order lists; clip as a number, a range or one [lo, hi] per joint; joint_ids null) and the
observation terms in order (scale, clip, history_length). The velocity-command term is recognised
by the command it reads (params.command_name: base_velocity) or by its names in published files.

The unitree_rl_lab schema records no physics step: without sim_dt, Isaac Lab's Go2 velocity tasks'
0.005 s (decimation 4 at step_dt 0.02) is assumed, or the caller's `sim_dt` is used.

The file describes deployment on the robot, where stiffness and damping run on the motors' own PD
loop; so the actuator law is `pd` clipped to the MJCF's motor torque limits (Unitree's figures).
Isaac Lab applies no action latency. Both facts are recorded in the conventions' notes.
"""

from legged_mjx.errors import UserError
from legged_mjx.sim2sim.exports.conventions import Conventions, obs_term
from legged_mjx.sim2sim.exports.facts import per_joint, require, symmetric_clip
from legged_mjx.sim2sim.isaac_go2 import GO2_ONLY, ISAAC_GO2_SIM_DT, sdk_joint_order
from legged_mjx.sim2sim.velocity import VELOCITY_COMMANDS

VELOCITY_COMMAND = "base_velocity"  # the command term whose (vx, vy, wz) the policy observes
VELOCITY_COMMAND_TERMS = ("velocity_commands", "keyboard_velocity_commands", "generated_commands")


def is_deploy_yaml(data: dict) -> bool:
    return "joint_ids_map" in data


def policy_joint_names(joint_ids_map, source: str) -> list:
    """Joint names in policy order: joint_ids_map[i] is the SDK motor index of policy joint i."""
    sdk = sdk_joint_order()
    if not isinstance(joint_ids_map, list) or sorted(joint_ids_map) != list(range(len(sdk))):
        raise UserError(
            f"{source}: joint_ids_map must be a permutation of 0..{len(sdk) - 1} (the Go2's motors), got"
            f" {joint_ids_map} ({GO2_ONLY})"
        )
    return [sdk[i] for i in joint_ids_map]


def _action_term(actions, source: str) -> dict:
    if not isinstance(actions, dict) or len(actions) != 1:
        raise UserError(f"{source}: actions must hold exactly one joint-position action term")
    ((name, term),) = actions.items()
    where = f"{source} actions.{name}"
    facts = require(term, {"scale": "action scale", "offset": "action offset, rad", "clip": "action clip"}, where)
    if term.get("joint_names", [".*"]) != [".*"] or term.get("joint_ids") is not None:
        raise UserError(f"{where}: joint_names must be ['.*'] and joint_ids null (all joints in policy order)")
    return facts


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


def _timing(data: dict, sim_dt: float | None, source: str) -> tuple[float, int, list, list]:
    """(sim_dt s, decimation, notes, assumptions): sim_dt from the caller, else the file, else the
    assumed Isaac Lab Go2 value."""
    notes, assumptions = [], []
    stated = data.get("sim_dt")
    if sim_dt is not None:
        notes.append(
            f"sim_dt {sim_dt:g} s from --sim_dt (the file {'has none' if stated is None else f'says {stated}'})"
        )
    elif stated is not None:
        sim_dt = stated
    else:
        sim_dt = ISAAC_GO2_SIM_DT
        assumptions.append(
            f"sim_dt {ISAAC_GO2_SIM_DT:g} s assumed: the file records only step_dt {data['step_dt']};"
            " Isaac Lab's Go2 velocity tasks simulate at 0.005 s with decimation 4 (override with --sim_dt)"
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


def _decimation(step_dt, sim_dt: float, source: str) -> int:
    """step_dt / sim_dt, which must be a whole number >= 1."""
    if not isinstance(step_dt, (int, float)) or isinstance(step_dt, bool) or step_dt <= 0:
        raise UserError(f"{source}: step_dt must be a positive number of seconds, got {step_dt}")
    ratio = step_dt / sim_dt
    if round(ratio) < 1 or abs(ratio - round(ratio)) > 1e-6:
        raise UserError(f"{source}: step_dt {step_dt} is not a whole multiple of sim_dt {sim_dt}")
    return int(round(ratio))


def from_deploy_yaml(data: dict, source: str, sim_dt: float | None = None) -> Conventions:
    """Conventions of a deploy.yaml; `sim_dt` (s) overrides or supplies the physics step."""
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
    names = policy_joint_names(facts["joint_ids_map"], source)
    action = _action_term(facts["actions"], source)
    physics_dt, decimation, timing_notes, assumptions = _timing(data, sim_dt, source)
    ranges = {n: facts[f"commands.{VELOCITY_COMMAND}.ranges.{n}"] for n in VELOCITY_COMMANDS}
    return Conventions(
        joint_names=names,
        default_joint_pos=per_joint(facts["default_joint_pos"], names, "default_joint_pos", source),
        action_scale=per_joint(action["scale"], names, "action scale", source),
        action_offset=per_joint(action["offset"], names, "action offset", source),
        action_clip=_action_clip(action["clip"], len(names), source),
        action_latency=False,
        actuator="pd",
        kp=per_joint(facts["stiffness"], names, "stiffness", source),
        kd=per_joint(facts["damping"], names, "damping", source),
        dc_motor=None,
        sim_dt=physics_dt,
        decimation=decimation,
        observations=_observations(facts["observations"], source),
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
