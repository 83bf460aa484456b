"""Conventions from a `deploy.yaml` exported beside an Isaac Lab policy (unitree_rl_lab schema).

Facts read: joint_ids_map (policy joint i -> Unitree SDK motor index, which names the joint),
step_dt and sim_dt (decimation = step_dt / sim_dt), stiffness, damping and default_joint_pos (policy
order), commands.base_velocity.ranges, the one joint-position action term (scale, offset, clip) and
the observation terms in order (scale, clip, history_length).

The file describes deployment on the robot, where stiffness and damping run on the motors' own PD
loop; so the actuator law is `pd` clipped to the MJCF's motor torque limits (Unitree's figures).
Isaac Lab applies no action latency. Both facts are recorded in the conventions' notes.
"""

from legged_mjx.errors import UserError
from legged_mjx.joint_orders import go2_joint_names
from legged_mjx.sim2sim.conventions import VELOCITY_COMMANDS, Conventions, obs_term
from legged_mjx.sim2sim.facts import per_joint, require, symmetric_clip

OBS_ALIASES = {"generated_commands": "velocity_commands"}


def is_deploy_yaml(data: dict) -> bool:
    return "joint_ids_map" in data


def policy_joint_names(joint_ids_map, source: str) -> list:
    """Joint names in policy order: joint_ids_map[i] is the SDK motor index of policy joint i."""
    sdk = go2_joint_names("unitree_sdk")
    if not isinstance(joint_ids_map, list) or sorted(joint_ids_map) != list(range(len(sdk))):
        raise UserError(f"{source}: joint_ids_map must be a permutation of 0..{len(sdk) - 1}, got {joint_ids_map}")
    return [sdk[i] for i in joint_ids_map]


def _action_term(actions, source: str) -> dict:
    if not isinstance(actions, dict) or len(actions) != 1:
        raise UserError(f"{source}: actions must hold exactly one joint-position action term")
    ((name, term),) = actions.items()
    where = f"{source} actions.{name}"
    facts = require(term, {"scale": "action scale", "offset": "action offset, rad", "clip": "action clip"}, where)
    if term.get("joint_names", [".*"]) != [".*"]:
        raise UserError(f"{source}: actions.{name}.joint_names must be ['.*'] (all joints in policy order)")
    return facts


def _decimation(step_dt: float, sim_dt: float, source: str) -> int:
    ratio = float(step_dt) / float(sim_dt)
    if round(ratio) < 1 or abs(ratio - round(ratio)) > 1e-6:
        raise UserError(f"{source}: step_dt {step_dt} is not a whole multiple of sim_dt {sim_dt}")
    return int(round(ratio))


def from_deploy_yaml(data: dict, source: str) -> Conventions:
    facts = require(
        data,
        {
            "joint_ids_map": "SDK motor index of each policy joint",
            "step_dt": "policy period, s",
            "sim_dt": "physics timestep, s",
            "stiffness": "PD stiffness per joint",
            "damping": "PD damping per joint",
            "default_joint_pos": "default joint angles per joint",
            "actions": "the joint-position action term",
            "observations": "ordered observation terms",
            **{f"commands.base_velocity.ranges.{n}": "training command range" for n in VELOCITY_COMMANDS},
        },
        source,
    )
    names = policy_joint_names(facts["joint_ids_map"], source)
    action = _action_term(facts["actions"], source)
    observations = []
    if not isinstance(facts["observations"], dict):
        raise UserError(f"{source}: observations must map term names to {{scale, clip, history_length}}")
    for name, term in facts["observations"].items():
        keys = {"scale": "scale", "clip": "clip", "history_length": "history length"}
        spec = require(term or {}, keys, f"{source} observations.{name}")
        term_name = OBS_ALIASES.get(name, name)
        observations.append(obs_term(term_name, spec["scale"], spec["clip"], spec["history_length"], source))
    return Conventions(
        joint_names=names,
        default_joint_pos=per_joint(facts["default_joint_pos"], names, "default_joint_pos", source),
        action_scale=per_joint(action["scale"], names, "action scale", source),
        action_offset=per_joint(action["offset"], names, "action offset", source),
        action_clip=symmetric_clip(action["clip"], "action clip", source),
        action_latency=False,
        actuator="pd",
        kp=per_joint(facts["stiffness"], names, "stiffness", source),
        kd=per_joint(facts["damping"], names, "damping", source),
        dc_motor=None,
        sim_dt=float(facts["sim_dt"]),
        decimation=_decimation(facts["step_dt"], facts["sim_dt"], source),
        observations=observations,
        command_ranges={n: [float(v) for v in facts[f"commands.base_velocity.ranges.{n}"]] for n in VELOCITY_COMMANDS},
        source=source,
        notes=[
            "actuator: deploy.yaml gains run on the robot's motor PD loop -> law pd, clipped to the MJCF motor limits",
            "action latency: none (Isaac Lab applies the action in the same step)",
            "action clip: applied to raw actions (Isaac Lab clips processed targets; identical while |a| < clip)",
        ],
    )
