"""Ground height under world (x, y) points, in JAX: what a vertical ray from above (`mujoco.mj_ray`)
hits on the compiled model, computed from the model's own data, the same on every backend.

- Heightfield ("terrain" geom): MuJoCo's triangulation of each cell, the diagonal from vertex
  (c, r) to (c + 1, r + 1) (x = column c, y = row r), its data (float32, scaled to [0, 1]) times
  size[2] above the geom's position; outside the heightfield the nearest edge's height.
- Box geoms ("terrain_box_<k>"): per sub-terrain cell, the boxes' x and y edges split the cell
  into rectangles of constant top (the highest box covering it), looked up by counting edges.
- No terrain: the highest horizontal floor plane.
The ground is the highest of these. Points exactly on a box edge may take either side's height.
"""

import jax.numpy as jnp
import mujoco
import numpy as np

from legged_mjx.errors import UserError
from legged_mjx.terrain.generator import Terrain
from legged_mjx.terrain.scene import BOX_PREFIX, HFIELD_NAME


class Ground:
    """`ground(xy)`: (..., 2) world x, y (m) -> (...,) ground height z (m), jittable."""

    def __init__(self, model: mujoco.MjModel, terrain: Terrain | None):
        self.terrain = terrain
        if terrain is None:
            self.plane_z = floor_plane_height(model)
            return
        geom = model.geom(HFIELD_NAME)
        hfield = model.hfield(int(geom.dataid[0]))
        nrow, ncol = int(hfield.nrow[0]), int(hfield.ncol[0])
        self.hfield_data = np.asarray(hfield.data, np.float32).reshape(nrow, ncol)
        self.hfield_size = np.asarray(hfield.size, np.float64)
        self.hfield_pos = np.asarray(geom.pos, np.float64)
        self.boxes = box_tables(model, terrain) if len(terrain.boxes) else None

    def __call__(self, xy: jnp.ndarray) -> jnp.ndarray:
        if self.terrain is None:
            return jnp.full(xy.shape[:-1], self.plane_z, jnp.float32)
        height = self._heightfield(xy)
        if self.boxes is not None:
            height = jnp.maximum(height, self._boxes(xy))
        return height

    def _heightfield(self, xy):
        nrow, ncol = self.hfield_data.shape
        rx, ry, elevation = self.hfield_size[:3]
        u = (xy[..., 0] - (self.hfield_pos[0] - rx)) * ((ncol - 1) / (2 * rx))  # column coordinate
        v = (xy[..., 1] - (self.hfield_pos[1] - ry)) * ((nrow - 1) / (2 * ry))  # row coordinate
        c = jnp.clip(jnp.floor(u), 0, ncol - 2).astype(jnp.int32)
        r = jnp.clip(jnp.floor(v), 0, nrow - 2).astype(jnp.int32)
        fx, fy = jnp.clip(u - c, 0.0, 1.0), jnp.clip(v - r, 0.0, 1.0)
        data = jnp.asarray(self.hfield_data)
        h00, h10, h01, h11 = data[r, c], data[r, c + 1], data[r + 1, c], data[r + 1, c + 1]
        lower = h00 + fx * (h10 - h00) + fy * (h11 - h10)  # triangle (c, r), (c + 1, r), (c + 1, r + 1)
        upper = h00 + fy * (h01 - h00) + fx * (h11 - h01)  # triangle (c, r), (c, r + 1), (c + 1, r + 1)
        return self.hfield_pos[2] + elevation * jnp.where(fx >= fy, lower, upper)

    def _boxes(self, xy):
        tables = self.boxes
        cfg = self.terrain.cfg
        corner = self.terrain.grid_corner
        row = jnp.floor((xy[..., 0] - corner[0]) / cfg.size[0]).astype(jnp.int32)
        col = jnp.floor((xy[..., 1] - corner[1]) / cfg.size[1]).astype(jnp.int32)
        inside = (row >= 0) & (row < cfg.num_rows) & (col >= 0) & (col < cfg.num_cols)
        index = jnp.clip(row, 0, cfg.num_rows - 1) * cfg.num_cols + jnp.clip(col, 0, cfg.num_cols - 1)
        ix = jnp.sum(xy[..., 0, None] >= jnp.asarray(tables["x_edges"])[index], axis=-1)
        iy = jnp.sum(xy[..., 1, None] >= jnp.asarray(tables["y_edges"])[index], axis=-1)
        top = jnp.asarray(tables["tops"])[index, ix, iy]
        return jnp.where(inside, top, -jnp.inf)


def floor_plane_height(model: mujoco.MjModel) -> float:
    """Height of the highest horizontal plane geom (the scene's floor)."""
    planes = np.flatnonzero(model.geom_type == mujoco.mjtGeom.mjGEOM_PLANE)
    heights = []
    for g in planes:
        normal = np.zeros(9)
        mujoco.mju_quat2Mat(normal, model.geom_quat[g])
        if abs(normal[8] - 1.0) > 1e-9:
            raise UserError("the ground lookup needs horizontal floor planes")
        heights.append(float(model.geom_pos[g, 2]))
    if not heights:
        raise UserError("no floor plane in the model")
    return max(heights)


def box_tables(model: mujoco.MjModel, terrain: Terrain) -> dict:
    """Per cell: x and y edges of its boxes (padded with +inf) and the top of each rectangle between
    them (-inf where no box), from the compiled box geoms."""
    cells = terrain.cfg.num_rows * terrain.cfg.num_cols
    ids = [model.geom(f"{BOX_PREFIX}{k}").id for k in range(len(terrain.boxes))]
    lo = model.geom_pos[ids] - model.geom_size[ids]
    hi = model.geom_pos[ids] + model.geom_size[ids]
    per_cell = [np.flatnonzero(terrain.box_cells == c) for c in range(cells)]
    edges = [(np.unique(np.r_[lo[b, 0], hi[b, 0]]), np.unique(np.r_[lo[b, 1], hi[b, 1]])) for b in per_cell]
    width = max(max(len(x), len(y)) for x, y in edges)
    x_edges = np.full((cells, width), np.inf, np.float32)
    y_edges = np.full((cells, width), np.inf, np.float32)
    tops = np.full((cells, width + 1, width + 1), -np.inf, np.float32)
    for c, (boxes, (xe, ye)) in enumerate(zip(per_cell, edges)):
        x_edges[c, : len(xe)], y_edges[c, : len(ye)] = xe, ye
        for b in boxes:
            i0, i1 = np.searchsorted(xe, lo[b, 0]), np.searchsorted(xe, hi[b, 0])
            j0, j1 = np.searchsorted(ye, lo[b, 1]), np.searchsorted(ye, hi[b, 1])
            block = tops[c, i0 + 1 : i1 + 1, j0 + 1 : j1 + 1]
            np.maximum(block, hi[b, 2], out=block)
    return {"x_edges": x_edges, "y_edges": y_edges, "tops": tops}
