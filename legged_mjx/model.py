"""Loading an MJCF and finding joints, actuators and geoms in it by name.

Everything here runs once, on the host, with the plain `mujoco.MjModel`; the tasks turn the
results into static index arrays for the jitted step.
"""

import os
from dataclasses import dataclass

import mujoco
import numpy as np

from legged_mjx.errors import UserError

ASSETS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "assets")


def asset_path(*parts: str) -> str:
    """Path of a file under the repository's assets/ folder."""
    return os.path.join(ASSETS_DIR, *parts)


def load_spec(xml_path: str) -> mujoco.MjSpec:
    """Parse an MJCF file into an editable MjSpec; a missing or invalid file is a UserError."""
    if not os.path.isfile(xml_path):
        raise UserError(f"model file not found: {xml_path}")
    try:
        return mujoco.MjSpec.from_file(xml_path)
    except ValueError as error:
        raise UserError(f"cannot load MJCF {xml_path}: {' '.join(str(error).split())}") from None


def compile_spec(spec: mujoco.MjSpec, xml_path: str) -> mujoco.MjModel:
    """Compile a robot's scene; it must have a free joint first (the floating base) and a floor (a
    plane, or the heightfield of a generated terrain)."""
    try:
        model = spec.compile()
    except ValueError as error:
        raise UserError(f"cannot load MJCF {xml_path}: {' '.join(str(error).split())}") from None
    if model.njnt == 0 or model.jnt_type[0] != mujoco.mjtJoint.mjJNT_FREE:
        raise UserError(f"{xml_path}: the robot's root body needs a free joint as the model's first joint")
    floors = (mujoco.mjtGeom.mjGEOM_PLANE, mujoco.mjtGeom.mjGEOM_HFIELD)  # a generated terrain is a heightfield
    if not np.isin(model.geom_type, floors).any():
        raise UserError(f"{xml_path}: no floor (plane geom) in the model; load the scene file, not the robot alone")
    return model


def load_model(xml_path: str) -> mujoco.MjModel:
    """Compile an MJCF file as it is (load_spec, compile_spec)."""
    return compile_spec(load_spec(xml_path), xml_path)


MODEL_PARAMS = {"friction": 1.0, "mass": 1.0, "added_base_mass": 0.0}  # per-environment model parameters, nominal


def randomized_fields(model, params: dict, base_body: int) -> dict:
    """The model fields that per-environment `params` change, for an MjModel (numpy) or an
    mjx.Model (traced): sliding friction x friction; every body's mass and inertia x mass; then
    added_base_mass (kg) on `base_body`, its inertia scaled by the same mass ratio (constant
    density: I' = I (m + dm) / m). Params not given are left out (nominal)."""
    fields = {}
    if "friction" in params:
        fields["geom_friction"] = model.geom_friction * (1.0 + (params["friction"] - 1.0) * np.array([1.0, 0.0, 0.0]))
    if "mass" in params or "added_base_mass" in params:
        scale = params.get("mass", 1.0)
        is_base = np.eye(model.nbody)[base_body]
        ratio = 1.0 + is_base * (params.get("added_base_mass", 0.0) / (model.body_mass[base_body] * scale))
        fields["body_mass"] = model.body_mass * scale * ratio
        fields["body_inertia"] = model.body_inertia * (scale * ratio)[:, None]
    return fields


def apply_model_params(model: mujoco.MjModel, params: dict, base_body: int) -> None:
    """Edit an MjModel in place to randomized_fields(model, params, base_body)."""
    for name, value in randomized_fields(model, params, base_body).items():
        getattr(model, name)[:] = value


def sensor_adr(model: mujoco.MjModel, names) -> np.ndarray:
    """Indices into sensordata of the named sensors' values, concatenated in the given order."""
    ids = _ids(model, mujoco.mjtObj.mjOBJ_SENSOR, names, "sensors")
    ranges = [np.arange(model.sensor_adr[i], model.sensor_adr[i] + model.sensor_dim[i]) for i in ids]
    return np.concatenate([np.zeros(0, np.int64), *ranges]).astype(np.int32)


def _ids(model: mujoco.MjModel, obj: mujoco.mjtObj, names, what: str) -> np.ndarray:
    ids = [mujoco.mj_name2id(model, obj, name) for name in names]
    missing = [name for name, i in zip(names, ids) if i < 0]
    if missing:
        raise UserError(f"{what} not found in the model: {', '.join(missing)}")
    return np.asarray(ids, dtype=np.int32)


def body_ids(model: mujoco.MjModel, names) -> np.ndarray:
    return _ids(model, mujoco.mjtObj.mjOBJ_BODY, names, "bodies")


@dataclass(frozen=True)
class JointIndex:
    """Where named hinge joints live in qpos / qvel, in the order the names were given."""

    names: tuple
    qpos_adr: np.ndarray
    dof_adr: np.ndarray
    range_low: np.ndarray
    range_high: np.ndarray


def joint_index(model: mujoco.MjModel, names) -> JointIndex:
    ids = _ids(model, mujoco.mjtObj.mjOBJ_JOINT, names, "joints")
    not_hinge = [n for n, i in zip(names, ids) if model.jnt_type[i] != mujoco.mjtJoint.mjJNT_HINGE]
    if not_hinge:
        raise UserError(f"joints must be hinges: {', '.join(not_hinge)}")
    limited = model.jnt_limited[ids].astype(bool)
    return JointIndex(
        names=tuple(names),
        qpos_adr=model.jnt_qposadr[ids].astype(np.int32),
        dof_adr=model.jnt_dofadr[ids].astype(np.int32),
        range_low=np.where(limited, model.jnt_range[ids, 0], -np.inf),
        range_high=np.where(limited, model.jnt_range[ids, 1], np.inf),
    )


def root_body(model: mujoco.MjModel) -> int:
    """The floating base: the body of the model's one free joint, which must come first in qpos
    (tasks read the base pose as qpos[0:7] and its velocity as qvel[0:6])."""
    free = np.flatnonzero(model.jnt_type == mujoco.mjtJoint.mjJNT_FREE)
    if len(free) != 1 or model.jnt_qposadr[free[0]] != 0:
        raise UserError("the robot needs exactly one free joint (its floating base), first in qpos")
    return int(model.jnt_bodyid[free[0]])


@dataclass(frozen=True)
class ActuatorIndex:
    """The torque (`motor`) actuator driving each named joint: ctrl = torque / gear."""

    ids: np.ndarray
    gear: np.ndarray
    torque_limit: np.ndarray


def motor_actuators(model: mujoco.MjModel, joint_names) -> ActuatorIndex:
    """Find, by joint name, the direct-torque actuator of each joint.

    The task's actuator law computes torques itself, so each joint needs exactly one actuator
    with fixed gain and no bias (MJCF `<motor>`); a position servo would add a hidden PD loop.
    """
    joint_ids = _ids(model, mujoco.mjtObj.mjOBJ_JOINT, joint_names, "joints")
    ids, problems = [], []
    for name, jid in zip(joint_names, joint_ids):
        found = [
            a
            for a in range(model.nu)
            if model.actuator_trntype[a] == mujoco.mjtTrn.mjTRN_JOINT and model.actuator_trnid[a, 0] == jid
        ]
        if len(found) != 1:
            problems.append(f"{name} has {len(found)} actuators")
            continue
        a = found[0]
        is_motor = (
            model.actuator_gaintype[a] == mujoco.mjtGain.mjGAIN_FIXED
            and model.actuator_biastype[a] == mujoco.mjtBias.mjBIAS_NONE
            and model.actuator_dyntype[a] == mujoco.mjtDyn.mjDYN_NONE
        )
        if not is_motor:
            problems.append(f"{name}'s actuator is not a <motor> (torque) actuator")
        ids.append(a)
    if problems:
        raise UserError("need one <motor> actuator per controlled joint: " + "; ".join(problems))
    ids = np.asarray(ids, dtype=np.int32)
    gear = model.actuator_gear[ids, 0] * model.actuator_gainprm[ids, 0]
    limited = model.actuator_ctrllimited[ids].astype(bool)
    ctrl_max = np.where(limited, np.abs(model.actuator_ctrlrange[ids]).min(axis=1), np.inf)
    return ActuatorIndex(ids=ids, gear=gear, torque_limit=ctrl_max * np.abs(gear))
