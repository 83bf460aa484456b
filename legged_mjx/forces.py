"""Applied-force models (world frame, SI units) and how to hand them to MuJoCo.

MuJoCo applies `xfrc_applied[b] = (force, torque)` at body b's centre of mass; a force acting at
another point p adds the torque (p - com) x F.
"""

import jax.numpy as jnp


def buoyancy_force(gcr, total_mass: float, gravity: float):
    """F_b = GCR * m_total * g, pointing up (N)."""
    return jnp.array([0.0, 0.0, 1.0], dtype=jnp.float32) * (gcr * total_mass * gravity)


def drag_force(velocity, drag_coef):
    """F_d = -sign(v) * c_d * v^2 per axis (N), velocity in m/s."""
    return -jnp.sign(velocity) * drag_coef * jnp.square(velocity)


def wrench_at_point(force, point, com):
    """(6,) xfrc_applied row for `force` acting at `point` on a body whose centre of mass is `com`."""
    return jnp.concatenate([force, jnp.cross(point - com, force)])
