"""Fitting a robot's MJCF to a task before it is compiled (MjSpec), so that a third-party model of
the robot (MuJoCo Menagerie's, unitree_mujoco's, the user's own) runs as it is:

- `add_foot_sensors`: the foot contact and foot velocity sensors a task reads, added where the model
  has none, on the collision geoms and sites whose names match the robot description's patterns;
- `one_motor_per_joint`: a joint-position task computes its torques itself (its PD law), so every
  controlled joint needs one plain `<motor>`, listed in the model's joint order. A model whose
  actuators are position servos, that has none, or lists them in another order gets its actuators
  on those joints replaced, their torque limits kept (motor ctrlrange x gear, actuator forcerange,
  joint actuatorfrcrange: the tightest);
- `passive_joint_properties`: the joint damping, friction loss, armature and stiffness the model
  adds on its own (a policy trained without them may behave differently).

Every edit returns notes (one line each) that say what was changed and why.
"""

import re
from collections import Counter

import mujoco
import numpy as np

from legged_mjx.errors import UserError


def _names(model: mujoco.MjModel, obj: mujoco.mjtObj, count: int) -> list:
    return [mujoco.mj_id2name(model, obj, i) or "" for i in range(count)]


def _matching(names: list, pattern: str, keep=None) -> list:
    return [i for i, name in enumerate(names) if name and re.fullmatch(pattern, name) and (keep is None or keep(i))]


def add_foot_sensors(spec, model, contact_sensors, velocity_sensors, foot_geoms, foot_sites) -> list:
    """Add the foot sensors the model lacks (sensor names in foot order; `foot_geoms` and
    `foot_sites` are one regex per foot, full match; empty `foot_geoms`: add nothing).

    A missing contact sensor `contact_sensors[i]` becomes one `contact` sensor (data "found": the
    number of contacts, > 0 touching) per collision geom of foot i: named `contact_sensors[i]` for
    one geom, `contact_sensors[i]/<geom>` for several (MJX matches contact sensors by geom only).
    A missing velocity sensor `velocity_sensors[i]` becomes a world-frame `framelinvel` of foot
    i's first matching site, else of its first geom."""
    if not foot_geoms:
        return []
    if len(foot_geoms) != len(contact_sensors) or (velocity_sensors and len(velocity_sensors) != len(foot_geoms)):
        raise UserError("foot_geoms needs one regex per foot, in foot_contact_sensors' order")
    sensors = set(_names(model, mujoco.mjtObj.mjOBJ_SENSOR, model.nsensor))
    geoms = _names(model, mujoco.mjtObj.mjOBJ_GEOM, model.ngeom)
    sites = _names(model, mujoco.mjtObj.mjOBJ_SITE, model.nsite)
    colliding = (model.geom_contype | model.geom_conaffinity) > 0
    added_contact, added_velocity = [], []
    for i, (contact, pattern) in enumerate(zip(contact_sensors, foot_geoms)):
        needs_contact = contact not in sensors
        needs_velocity = bool(velocity_sensors) and velocity_sensors[i] not in sensors
        if not (needs_contact or needs_velocity):
            continue
        foot = _matching(geoms, pattern, lambda g: colliding[g])
        if not foot:
            raise UserError(f"no collision geom named like '{pattern}' in the model (the foot of sensor {contact})")
        if needs_contact:
            for g in foot:
                spec.add_sensor(
                    type=mujoco.mjtSensor.mjSENS_CONTACT,
                    name=contact if len(foot) == 1 else f"{contact}/{geoms[g]}",
                    objtype=mujoco.mjtObj.mjOBJ_GEOM,
                    objname=geoms[g],
                    intprm=[1, 1, 1],  # data "found", reduce "mindist", num 1
                )
            added_contact.append(f"{contact} ({', '.join(geoms[g] for g in foot)})")
        if needs_velocity:
            site = _matching(sites, foot_sites[i]) if foot_sites and foot_sites[i] else []
            on_site = (mujoco.mjtObj.mjOBJ_SITE, sites[site[0]]) if site else None
            objtype, objname = on_site or (mujoco.mjtObj.mjOBJ_GEOM, geoms[foot[0]])
            spec.add_sensor(
                type=mujoco.mjtSensor.mjSENS_FRAMELINVEL, name=velocity_sensors[i], objtype=objtype, objname=objname
            )
            added_velocity.append(f"{velocity_sensors[i]} ({objname})")
    notes = []
    if added_contact:
        notes.append(f"foot contact sensors added (MjSpec): {'; '.join(added_contact)}")
    if added_velocity:
        notes.append(f"foot velocity sensors added (MjSpec): {'; '.join(added_velocity)}")
    return notes


def foot_contact_adr(model: mujoco.MjModel, contact_sensors) -> np.ndarray:
    """(F, K) sensordata addresses of each foot's contact sensors (the sensor named as the foot's,
    or those named `<name>/<geom>`; a foot with fewer than K repeats its first): a foot touches
    where any of its values is > 0."""
    names = _names(model, mujoco.mjtObj.mjOBJ_SENSOR, model.nsensor)
    groups, missing = [], []
    for contact in contact_sensors:
        ids = [i for i, name in enumerate(names) if name == contact or name.startswith(f"{contact}/")]
        if not ids:
            missing.append(contact)
        elif any(model.sensor_dim[i] != 1 for i in ids):
            raise UserError('foot_contact_sensors must each give one value (MJCF <contact ... data="found"/>)')
        groups.append([int(model.sensor_adr[i]) for i in ids])
    if missing:
        raise UserError(f"sensors not found in the model: {', '.join(missing)}")
    width = max((len(g) for g in groups), default=1)
    return np.asarray([g + [g[0]] * (width - len(g)) for g in groups], np.int32).reshape(len(groups), width)


def _is_motor(model: mujoco.MjModel, a: int) -> bool:
    return (
        model.actuator_gaintype[a] == mujoco.mjtGain.mjGAIN_FIXED
        and model.actuator_biastype[a] == mujoco.mjtBias.mjBIAS_NONE
        and model.actuator_dyntype[a] == mujoco.mjtDyn.mjDYN_NONE
    )


def _kind(model: mujoco.MjModel, a: int) -> str:
    """motor, position servo, velocity servo or other: what an actuator does to its joint."""
    if _is_motor(model, a):
        return "motor"
    affine = model.actuator_biastype[a] == mujoco.mjtBias.mjBIAS_AFFINE
    if affine and model.actuator_biasprm[a, 1] < 0:
        return "position servo"
    if affine and model.actuator_biasprm[a, 2] < 0:
        return "velocity servo"
    return "other"


def _torque_limit(model: mujoco.MjModel, joint: int, actuators: list) -> float:
    """The tightest torque limit (N m) on a joint from its actuators and the joint itself; inf if none."""
    limits = [np.inf]
    if model.jnt_actfrclimited[joint]:
        limits.append(np.abs(model.jnt_actfrcrange[joint]).min())
    for a in actuators:
        if model.actuator_forcelimited[a]:
            limits.append(np.abs(model.actuator_forcerange[a]).min())
        if _is_motor(model, a) and model.actuator_ctrllimited[a]:
            gain = abs(model.actuator_gear[a, 0] * model.actuator_gainprm[a, 0])
            limits.append(np.abs(model.actuator_ctrlrange[a]).min() * gain)
    return float(min(limits))


def _count(items) -> str:
    return ", ".join(f"{n} {what}{'s' if n > 1 else ''}" for what, n in Counter(items).items())


def _limits_text(names: list, limits: list) -> str:
    groups = Counter("unlimited" if np.isinf(v) else f"{v:g} N m" for v in limits)
    text = ", ".join(f"{value} on {n}" for value, n in groups.items())
    unlimited = [n for n, v in zip(names, limits) if np.isinf(v)]
    return text + (f" (no limit in the model for {', '.join(unlimited)}: unclipped)" if unlimited else "")


def one_motor_per_joint(spec, model, joint_names) -> list:
    """Make the model's actuators on `joint_names` one `<motor>` per joint, listed in the model's
    joint order, with each joint's torque limit as ctrlrange (gear 1); actuators on other joints
    are kept. A model that already has exactly that is left alone (no notes)."""
    joints = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, name) for name in joint_names]
    missing = [name for name, j in zip(joint_names, joints) if j < 0]
    if missing:
        raise UserError(f"joints not found in the model: {', '.join(missing)}")
    ordered = sorted(joints, key=lambda j: model.jnt_qposadr[j])
    on_joint = {
        j: [
            a
            for a in range(model.nu)
            if model.actuator_trntype[a] == mujoco.mjtTrn.mjTRN_JOINT and model.actuator_trnid[a, 0] == j
        ]
        for j in joints
    }
    driving = sorted(a for ids in on_joint.values() for a in ids)
    single = all(len(on_joint[j]) == 1 for j in joints)
    in_order = single and [on_joint[j][0] for j in ordered] == sorted(on_joint[j][0] for j in ordered)
    if in_order and all(_is_motor(model, a) for a in driving):
        return []
    reasons = []
    if driving:
        reasons.append(f"the model had {_count(_kind(model, a) for a in driving)} on these joints")
    else:
        reasons.append("the model had no actuators on these joints")
    without = [model.joint(j).name for j in joints if not on_joint[j]]
    several = [model.joint(j).name for j in joints if len(on_joint[j]) > 1]
    if driving and without:
        reasons.append(f"none on {', '.join(without)}")
    if several:
        reasons.append(f"several on {', '.join(several)}")
    if single and not in_order:
        reasons.append("listed in another order than the joints")
    limits = [_torque_limit(model, j, on_joint[j]) for j in ordered]
    for element in [spec.actuators[a] for a in driving]:
        spec.delete(element)
    for j, limit in zip(ordered, limits):
        motor = spec.add_actuator(name=f"{model.joint(j).name}_motor", target=model.joint(j).name)
        motor.trntype = mujoco.mjtTrn.mjTRN_JOINT
        if np.isfinite(limit):
            motor.ctrlrange = [-limit, limit]
            motor.ctrllimited = mujoco.mjtLimited.mjLIMITED_TRUE
    names = [model.joint(j).name for j in ordered]
    return [
        f"actuators replaced (MjSpec): {'; '.join(reasons)}; now one <motor> per joint in joint order, driven by"
        f" the policy's PD law; torque limits kept from the model: {_limits_text(names, limits)}"
    ]


PASSIVE = {"damping": "dof_damping", "frictionloss": "dof_frictionloss", "armature": "dof_armature"}


def passive_joint_properties(model: mujoco.MjModel, joint_names) -> dict:
    """{damping (N m s/rad), frictionloss (N m), armature (kg m^2), stiffness (N m/rad): {joint:
    value}} of the named hinge joints, non-zero values only: what the model adds on its own to
    the task's actuator law."""
    result = {}
    for name in joint_names:
        joint = model.joint(name)
        dof = int(model.jnt_dofadr[joint.id])
        values = {key: float(getattr(model, field)[dof]) for key, field in PASSIVE.items()}
        values["stiffness"] = float(model.jnt_stiffness[joint.id])
        for key, value in values.items():
            if value:
                result.setdefault(key, {})[name] = value
    return result
