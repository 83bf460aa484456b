"""Conventions from an ONNX policy's own metadata (`sim2sim.py --policy policy.onnx` without
--config), for the Go2 (isaac_go2.py).

Two kinds of files carry it:
- this project's exports (legged_mjx/export): mjlab's keys plus the exact deploy.yaml under
  `deploy_yaml`; that deploy.yaml is read (deploy_yaml.py) and mjlab's keys must agree with it;
- mjlab's exports: its keys only (joint_names, joint_stiffness, joint_damping, default_joint_pos,
  command_names, observation_names, action_scale; comma-separated, three decimals). What they do
  not state is taken from mjlab's velocity task and listed as assumptions: physics 0.005 s x 4,
  action offset = default_joint_pos, no action or observation clip, observation scales 1, no
  history, command ranges lin_vel_x [-1, 1], lin_vel_y [-1, 1], ang_vel_z [-0.5, 0.5].

Implausible gains are refused: mjlab wrote joint_stiffness 1 and joint_damping -0 for actuators
whose PD law is not a MuJoCo position actuator (delayed and ideal-PD actuators; mujocolab/mjlab
issue 347), and a policy run with those gains falls at once.
"""

import math

import numpy as np
import yaml

from legged_mjx.errors import UserError
from legged_mjx.export.onnx_metadata import DEPLOY_YAML_KEY, read_metadata
from legged_mjx.robots import recognise_robot
from legged_mjx.sim2sim.exports.conventions import Conventions, obs_term
from legged_mjx.sim2sim.exports.deploy_yaml import from_deploy_yaml

GAIN_KEYS = ("joint_names", "joint_stiffness", "joint_damping", "default_joint_pos")
REQUIRED = (*GAIN_KEYS, "observation_names", "action_scale")
MJLAB_SIM_DT, MJLAB_DECIMATION = 0.005, 4  # mjlab's velocity task: timestep 0.005, decimation 4
MJLAB_COMMAND_RANGES = {"lin_vel_x": [-1.0, 1.0], "lin_vel_y": [-1.0, 1.0], "ang_vel_z": [-0.5, 0.5]}
CSV_TOLERANCE = 5e-4 + 1e-9  # mjlab writes three decimals
# observation names: mjlab's velocity task's terms, and Isaac Lab's (this project's) names for the same
OBSERVATIONS = {
    "base_lin_vel": "base_lin_vel",
    "base_ang_vel": "base_ang_vel",
    "projected_gravity": "projected_gravity",
    "joint_pos": "joint_pos_rel",  # mjlab's joint_pos term is mdp.joint_pos_rel
    "joint_pos_rel": "joint_pos_rel",
    "joint_vel": "joint_vel_rel",
    "joint_vel_rel": "joint_vel_rel",
    "actions": "last_action",
    "last_action": "last_action",
    "command": "velocity_commands",  # mjlab: generated_commands of its velocity command (vx, vy, wz)
    "velocity_commands": "velocity_commands",
}


def _csv(metadata: dict, key: str, source: str) -> list:
    return [item.strip() for item in metadata[key].split(",") if item.strip()]


def _numbers(metadata: dict, key: str, count: int | None, source: str) -> list:
    try:
        values = [float(item) for item in _csv(metadata, key, source)]
    except ValueError:
        raise UserError(f"{source}: metadata {key} must be comma-separated numbers, got '{metadata[key]}'") from None
    if count is not None and len(values) != count:
        raise UserError(f"{source}: metadata {key} has {len(values)} values for {count} joints")
    if not all(math.isfinite(v) for v in values):
        raise UserError(f"{source}: metadata {key} has non-finite values: {metadata[key]}")
    return values


def _check_gains(names: list, kp: list, kd: list, source: str) -> None:
    """PD gains a robot can run: stiffness and damping > 0 on every joint."""
    if all(k == 1.0 for k in kp) and all(d == 0.0 for d in kd):
        raise UserError(
            f"{source}: metadata joint_stiffness 1 and joint_damping 0 on every joint are an actuator's raw"
            " parameters, not its PD gains (mjlab writes these for delayed and ideal-PD actuators, mujocolab/mjlab"
            " issue 347): give the policy's deploy.yaml with --config"
        )
    bad = [f"{n} (kp {p:g}, kd {d:g})" for n, p, d in zip(names, kp, kd) if not (p > 0 and d > 0)]
    if bad:
        raise UserError(f"{source}: metadata PD gains must be > 0, got {', '.join(bad)}: give --config")


def _gains(metadata: dict, source: str, robot: str | None) -> tuple[str, list, list, list, list]:
    """(robot, joint names, kp, kd, default joint positions), checked; the robot is `robot` (--robot)
    or the shipped one whose joints the metadata names (legged_mjx/robots.py)."""
    names = _csv(metadata, "joint_names", source)
    robot = robot or recognise_robot(f"{source} metadata joint_names", joint_names=names).name
    kp, kd, default = (_numbers(metadata, key, len(names), source) for key in GAIN_KEYS[1:])
    _check_gains(names, kp, kd, source)
    return robot, names, kp, kd, default


def _action_scale(metadata: dict, count: int, source: str) -> list:
    scale = _numbers(metadata, "action_scale", None, source)
    if len(scale) not in (1, count):
        raise UserError(f"{source}: metadata action_scale needs 1 or {count} values, got {len(scale)}")
    return scale * count if len(scale) == 1 else scale


def _from_mjlab_keys(metadata: dict, source: str, sim_dt: float | None, robot: str | None) -> Conventions:
    robot, names, kp, kd, default = _gains(metadata, source, robot)
    observations = []
    for name in _csv(metadata, "observation_names", source):
        if name not in OBSERVATIONS:
            raise UserError(
                f"{source}: metadata observation '{name}' has no equivalent here (known: {', '.join(OBSERVATIONS)})"
            )
        observations.append(obs_term(OBSERVATIONS[name], 1.0, None, 1, source))
    step = MJLAB_SIM_DT * MJLAB_DECIMATION
    physics_dt = MJLAB_SIM_DT if sim_dt is None else sim_dt
    decimation = round(step / physics_dt)
    if abs(decimation * physics_dt - step) > 1e-9:
        raise UserError(f"{source}: --sim_dt {physics_dt} does not divide mjlab's policy period {step:g} s")
    return Conventions(
        robot=robot,
        joint_names=names,
        default_joint_pos=default,
        action_scale=_action_scale(metadata, len(names), source),
        action_offset=list(default),
        action_clip=float("inf"),
        action_latency=False,
        actuator="pd",
        kp=kp,
        kd=kd,
        dc_motor=None,
        sim_dt=physics_dt,
        decimation=decimation,
        observations=observations,
        command_ranges={name: list(r) for name, r in MJLAB_COMMAND_RANGES.items()},
        source=source,
        notes=["actuator: metadata gains run as PD clipped to the MJCF motor limits (law pd)"],
        assumptions=[
            f"physics {MJLAB_SIM_DT:g} s x {MJLAB_DECIMATION} (mjlab's velocity task): the metadata has no step",
            "action offset = default_joint_pos, no action clip, no latency (mjlab's JointPositionAction)",
            "observation scales 1, no clip, no history (mjlab's velocity task): the metadata names terms only",
            f"command ranges {MJLAB_COMMAND_RANGES} (mjlab's velocity task): the metadata has none",
        ],
    )


def _from_deploy_yaml(metadata: dict, source: str, sim_dt: float | None, robot: str | None) -> Conventions:
    """The deploy.yaml kept in the metadata, which mjlab's keys beside it must agree with."""
    try:
        data = yaml.safe_load(metadata[DEPLOY_YAML_KEY])
    except yaml.YAMLError as error:
        raise UserError(f"{source}: metadata {DEPLOY_YAML_KEY} is not YAML: {' '.join(str(error).split())}") from None
    if not isinstance(data, dict):
        raise UserError(f"{source}: metadata {DEPLOY_YAML_KEY} is not a YAML mapping")
    conv = from_deploy_yaml(data, f"{source} ({DEPLOY_YAML_KEY})", sim_dt, robot)
    _, names, kp, kd, default = _gains(metadata, source, conv.robot)
    pairs = {
        "joint_stiffness": (kp, conv.kp),
        "joint_damping": (kd, conv.kd),
        "default_joint_pos": (default, conv.default_joint_pos),
        "action_scale": (_action_scale(metadata, len(names), source), conv.action_scale),
    }
    stated = {"joint_names": names == conv.joint_names}
    stated.update({key: np.allclose(a, b, rtol=0, atol=CSV_TOLERANCE) for key, (a, b) in pairs.items()})
    disagree = [key for key, same in stated.items() if not same]
    if disagree:
        raise UserError(f"{source}: metadata {', '.join(disagree)} disagree with its own {DEPLOY_YAML_KEY}")
    return conv


def from_onnx_metadata(path: str, sim_dt: float | None = None, robot: str | None = None) -> tuple[str, Conventions]:
    """(kind, Conventions) from the metadata of the ONNX file at `path`: "onnx_deploy_yaml" (this
    project's exports) or "onnx_mjlab" (mjlab's keys only); `sim_dt` overrides the physics step;
    `robot` (a name or robot.yaml path) where the joint names do not say it."""
    metadata = read_metadata(path)
    missing = [key for key in REQUIRED if key not in metadata]
    if missing:
        missing = ", ".join(missing)
        raise UserError(
            f"{path}: no mjlab metadata in the ONNX file (missing {missing}): give its conventions with --config"
        )
    if DEPLOY_YAML_KEY in metadata:
        return "onnx_deploy_yaml", _from_deploy_yaml(metadata, path, sim_dt, robot)
    return "onnx_mjlab", _from_mjlab_keys(metadata, path, sim_dt, robot)
