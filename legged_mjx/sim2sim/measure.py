"""Per-step measurements of one environment (pure JAX, vmapped), the same on every backend.

Torques are the controls the last physics substep applied (clipped to the actuators' limits);
contacts and foot velocities come from the model's sensors, which MuJoCo evaluates at the start
of that substep.
"""

import jax.numpy as jnp

LIMIT_MARGIN = 0.01  # rad: a joint within this of an end of its MJCF range counts as a limit hit


def measure(task, snap, physics) -> dict:
    """Scalars of one control step.

    vx, vy (m/s, body frame), wz (rad/s, body frame); torque_abs = mean_j |tau_j| and torque_peak =
    max_j |tau_j| (N m); power = sum_j |tau_j qd_j| (W); slip = sum over feet in contact of the
    horizontal foot speed (m/s), contacts = number of feet in contact; action_rate = sum_j
    (a_j - a_prev_j)^2; limit_hits = number of joints within LIMIT_MARGIN of a range end.
    """
    actuators = task.actuators.motors
    torque = jnp.clip(physics.ctrl[actuators.ids] * actuators.gear, -actuators.torque_limit, actuators.torque_limit)
    contact = snap.foot_contact.astype(jnp.float32)
    foot_velocity = physics.sensordata[task.foot_velocity_adr].reshape(-1, 3)
    foot_speed = jnp.linalg.norm(foot_velocity[:, :2], axis=1)
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
