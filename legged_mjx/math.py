"""Quaternion helpers. Quaternions are (w, x, y, z), MuJoCo's convention; all functions act on
one environment (vmap for batches)."""

import jax.numpy as jnp


def quat_rotate_inverse(quat, vec):
    """Rotate `vec` from the world frame to the body frame: v_body = R(q)^T v_world."""
    w, xyz = quat[0], quat[1:]
    t = 2.0 * jnp.cross(xyz, vec)
    return vec - w * t + jnp.cross(xyz, t)


def quat_rotate(quat, vec):
    """Rotate `vec` (..., 3) from the body frame to the world frame: v_world = R(q) v_body."""
    w, xyz = quat[0], quat[1:]
    t = 2.0 * jnp.cross(xyz, vec)
    return vec + w * t + jnp.cross(xyz, t)


def gravity_body(quat):
    """Unit gravity direction (0, 0, -1) expressed in the body frame ("projected gravity")."""
    return quat_rotate_inverse(quat, jnp.array([0.0, 0.0, -1.0], dtype=quat.dtype))


def roll_pitch(quat):
    """Roll and pitch (rad) of the intrinsic z-y'-x'' (yaw-pitch-roll) Euler decomposition."""
    w, x, y, z = quat
    roll = jnp.arctan2(2.0 * (w * x + y * z), 1.0 - 2.0 * (x * x + y * y))
    pitch = jnp.arcsin(jnp.clip(2.0 * (w * y - z * x), -1.0, 1.0))
    return roll, pitch
