"""Isaac Lab's height scan: a grid of points around the base, turned with its yaw only, and the
observation base height - ground height under each point - offset (`mdp.height_scan`, clipped by
the observation term, +-1 in Isaac Lab's rough task).

The grid is Isaac Lab's GridPatternCfg: x from -size[0]/2 to size[0]/2 and y from -size[1]/2 to
size[1]/2 in steps of `resolution` (both ends included), ordered "xy" (x varies fastest, y
slowest: point k = (x[k % nx], y[k // nx])) or "yx" (y fastest). Isaac Lab's Go2 rough scanner:
1.6 m x 1.0 m at 0.1 m, 17 x 11 = 187 points.
"""

import jax.numpy as jnp
import numpy as np

from legged_mjx.errors import UserError

ORDERINGS = ("xy", "yx")


def grid_pattern(size, resolution: float, ordering: str = "xy") -> np.ndarray:
    """(P, 2) scan points (m) in the yaw-aligned base frame, in Isaac Lab's order."""
    if ordering not in ORDERINGS:
        raise UserError(f"height scan ordering must be xy or yx, got {ordering!r}")
    sizes = size if isinstance(size, (list, tuple)) else []
    numbers = [resolution, *sizes]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers):
        raise UserError(f"height scan needs a number resolution and two number sizes, got {resolution!r}, {size!r}")
    if not resolution > 0 or len(sizes) != 2 or not all(s >= 0 for s in sizes):
        raise UserError(f"height scan needs resolution > 0 and two sizes >= 0, got {resolution}, {size}")
    x = np.arange(-size[0] / 2, size[0] / 2 + 1.0e-9, resolution)
    y = np.arange(-size[1] / 2, size[1] / 2 + 1.0e-9, resolution)
    if ordering == "xy":
        grid_y, grid_x = np.meshgrid(y, x, indexing="ij")  # rows: y (slow), columns: x (fast)
    else:
        grid_x, grid_y = np.meshgrid(x, y, indexing="ij")
    return np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)


def scan_points(base_pos, base_quat, pattern: np.ndarray) -> jnp.ndarray:
    """(P, 2) world x, y of the pattern around the base, turned by the base's yaw (quat w, x, y, z)."""
    w, x, y, z = base_quat
    yaw = jnp.arctan2(2.0 * (w * z + x * y), 1.0 - 2.0 * (y * y + z * z))
    cos, sin = jnp.cos(yaw), jnp.sin(yaw)
    px, py = jnp.asarray(pattern[:, 0], jnp.float32), jnp.asarray(pattern[:, 1], jnp.float32)
    return jnp.stack([base_pos[0] + cos * px - sin * py, base_pos[1] + sin * px + cos * py], axis=-1)
