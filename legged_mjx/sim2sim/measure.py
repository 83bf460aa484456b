"""Per-step measurements of one environment (pure JAX, vmapped), shared by the MJX and MuJoCo backends.

`data` is an mjx.Data or anything with the same fields: qfrc_actuator (nv,), cvel (nbody, 6),
subtree_com (nbody, 3), geom_xpos (ngeom, 3). Torques, contacts and foot velocities are those of
the last physics substep of the control step.
"""

import jax.numpy as jnp

from legged_mjx.forces import point_velocity

LIMIT_MARGIN = 0.01  # rad: a joint within this of an end of its MJCF range counts as a limit hit


def foot_velocities_world(task, data) -> jnp.ndarray:
    """(F, 3) world-frame velocity of each foot sphere's centre, m/s: v = v_c + w x (p - c)."""
    bodies = task.mj_model.geom_bodyid[task.foot_geoms]
    roots = task.mj_model.body_rootid[bodies]
    return jnp.stack([point_velocity(data, b, r, data.geom_xpos[g]) for g, b, r in zip(task.foot_geoms, bodies, roots)])


def measure(task, snap, data) -> dict:
    """Scalars of one control step.

    vx, vy (m/s, body frame), wz (rad/s, body frame); torque_abs = mean_j |tau_j| and torque_peak =
    max_j |tau_j| (N m); power = sum_j |tau_j qd_j| (W); slip = sum over feet in contact of the
    horizontal foot speed (m/s), contacts = number of feet in contact; action_rate = sum_j
    (a_j - a_prev_j)^2; limit_hits = number of joints within LIMIT_MARGIN of a range end.
    """
    torque = data.qfrc_actuator[task.joints.dof_adr]
    contact = snap.foot_contact.astype(jnp.float32)
    foot_speed = jnp.linalg.norm(foot_velocities_world(task, data)[:, :2], axis=1)
    low, high = task.joints.range_low + LIMIT_MARGIN, task.joints.range_high - LIMIT_MARGIN
    return {
        "vx": snap.lin_vel_body[0],
        "vy": snap.lin_vel_body[1],
        "wz": snap.ang_vel_body[2],
        "torque_abs": jnp.abs(torque).mean(),
        "torque_peak": jnp.abs(torque).max(),
        "power": jnp.abs(torque * snap.joint_vel).sum(),
        "slip": (contact * foot_speed).sum(),
        "contacts": contact.sum(),
        "action_rate": jnp.square(snap.action - snap.prev_action).sum(),
        "limit_hits": ((snap.joint_pos <= low) | (snap.joint_pos >= high)).sum().astype(jnp.float32),
    }
