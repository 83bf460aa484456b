"""Whether a box geom of the robot's base touches the ground, from geometry: points on the box's
surface (spaced at most SPACING apart) against the ground under them (ground.py), the same on every
backend. It stands in for a collision of the base with the terrain (Isaac Lab's base_contact
termination), which the episode ends at anyway: a box-vs-heightfield collision would halve the
native engine's speed (docs/terrain.md), so the base does not collide and is checked instead.
"""

import jax.numpy as jnp
import mujoco
import numpy as np

from legged_mjx import math as lmath
from legged_mjx.errors import UserError

SPACING = 0.05  # m between neighbouring sample points on a box face


def box_surface_points(model: mujoco.MjModel, geom_names, body: int) -> np.ndarray:
    """(K, 3) points on the surfaces of the named box geoms of `body`, in the body's frame."""
    points = []
    for name in geom_names:
        geom = model.geom(name)
        if int(geom.type[0]) != mujoco.mjtGeom.mjGEOM_BOX or int(geom.bodyid[0]) != body:
            raise UserError(f"base contact geom '{name}' must be a box of the base body")
        half = geom.size
        axes = [np.linspace(-h, h, int(np.ceil(2 * h / SPACING)) + 1) for h in half]
        grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
        surface = grid[np.isclose(np.abs(grid), half).any(axis=1)]
        rotation = np.zeros(9)
        mujoco.mju_quat2Mat(rotation, geom.quat)
        points.append(geom.pos + surface @ rotation.reshape(3, 3).T)
    return np.concatenate(points) if points else np.zeros((0, 3))


def touches_ground(ground, base_pos, base_quat, points: np.ndarray) -> jnp.ndarray:
    """() bool: some point (body frame) of the base at pose (pos, quat w x y z) is at or below the ground."""
    world = base_pos + lmath.quat_rotate(base_quat, jnp.asarray(points, jnp.float32))
    return jnp.any(world[:, 2] <= ground(world[:, :2]))
