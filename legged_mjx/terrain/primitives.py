"""Box sub-terrain types: pyramid stairs (up and down) and random grid boxes.

Their geometry is Isaac Lab's mesh terrains (`mesh_terrains.py`: `pyramid_stairs_terrain`,
`inverted_pyramid_stairs_terrain`, `random_grid_terrain`), the same dimensions, heights and
origins, as axis-aligned boxes standing on a floor that the heightfield provides (0 on the
sub-terrain's boundary, so neighbours join). Whether the boxes become MuJoCo box geoms or are
rasterised into the heightfield is the generator's `primitives` setting (docs/terrain.md).
`holes` is not supported.
"""

from dataclasses import dataclass

import numpy as np

from legged_mjx.errors import UserError
from legged_mjx.terrain.base import Grid, SubTerrain, SubTerrainCfg, interpolate


def ring(outer: float, inner: float, size: tuple, z_lo: float, z_hi: float) -> list:
    """Four boxes covering the band between `outer` and `inner` metres in from the sub-terrain's edges."""
    sx, sy = size
    return [
        (outer, outer, z_lo, sx - outer, inner, z_hi),  # y-low strip, full length
        (outer, sy - inner, z_lo, sx - outer, sy - outer, z_hi),  # y-high strip
        (outer, inner, z_lo, inner, sy - inner, z_hi),  # x-low strip, between the others
        (sx - inner, inner, z_lo, sx - outer, sy - inner, z_hi),  # x-high strip
    ]


def floor_heights(grid: Grid, floor: float) -> np.ndarray:
    """Heightfield under box geometry: `floor` inside, 0 on the boundary."""
    heights = np.full(grid.vertices, float(floor))
    heights[[0, -1], :] = 0.0
    heights[:, [0, -1]] = 0.0
    return heights


@dataclass
class PyramidStairsCfg(SubTerrainCfg):
    """Square stairs around a central platform (MeshPyramidStairsTerrainCfg): step height from
    step_height_range by difficulty, steps of step_width from a flat border of border_width to the
    platform, num_steps = min over x, y of (size - 2 border - platform) // (2 step_width) + 1;
    step k (0 outermost) has its top at (k + 1) h and the platform at (num_steps + 1) h. Inverted
    (MeshInvertedPyramidStairsTerrainCfg): the same going down, step k at -(k + 1) h, the pit
    floor at -(num_steps + 1) h."""

    step_height_range: tuple = (0.05, 0.23)
    step_width: float = 0.3
    platform_width: float = 1.0
    border_width: float = 0.0
    inverted: bool = False
    holes: bool = False

    def num_steps(self, grid: Grid) -> int:
        per_axis = [(s - 2 * self.border_width - self.platform_width) // (2 * self.step_width) + 1 for s in grid.size]
        return int(min(per_axis))

    def geometry(self, difficulty, grid, rng) -> SubTerrain:
        if self.holes:
            raise UserError("pyramid_stairs with holes is not supported")
        h = interpolate(self.step_height_range, difficulty)
        n, bw, w = self.num_steps(grid), self.border_width, self.step_width
        if n < 1:
            raise UserError(f"pyramid_stairs: no step fits in a sub-terrain of size {list(grid.size)}")
        centre = [0.5 * grid.size[0], 0.5 * grid.size[1]]
        if not self.inverted:  # nested boxes on the floor at 0: box k reaches k steps in, top (k + 1) h
            boxes = [
                (bw + k * w, bw + k * w, 0.0, grid.size[0] - bw - k * w, grid.size[1] - bw - k * w, (k + 1) * h)
                for k in range(n + 1)
            ]
            return SubTerrain(floor_heights(grid, 0.0), np.array(boxes), np.array([*centre, (n + 1) * h]))
        floor = -(n + 1) * h  # the pit floor is the heightfield; rings of boxes step down to it
        boxes = ring(0.0, bw, grid.size, floor, 0.0) if bw > 0 else []
        for k in range(n):
            boxes += ring(bw + k * w, bw + (k + 1) * w, grid.size, floor, -(k + 1) * h)
        return SubTerrain(floor_heights(grid, floor), np.array(boxes), np.array([*centre, floor]))


@dataclass
class RandomGridCfg(SubTerrainCfg):
    """A grid of square cells of grid_width whose tops are uniform in +-g, g from grid_height_range
    by difficulty, a platform of platform_width at height g in the middle and a border at 0 filling
    the remainder (MeshRandomGridTerrainCfg); square sub-terrains only."""

    grid_width: float = 0.45
    grid_height_range: tuple = (0.05, 0.2)
    platform_width: float = 1.0
    holes: bool = False

    def geometry(self, difficulty, grid, rng) -> SubTerrain:
        if self.holes:
            raise UserError("random_grid with holes is not supported")
        sx, sy = grid.size
        if sx != sy:
            raise UserError(f"random_grid needs square sub-terrains, got size {list(grid.size)}")
        g = interpolate(self.grid_height_range, difficulty)
        cells = int(sx / self.grid_width)
        border = sx - cells * self.grid_width
        if border <= 0:
            raise UserError(f"random_grid: grid_width {self.grid_width} leaves no border in size {sx}")
        floor = -abs(g) - 0.05  # hidden below the lowest possible cell top
        tops = rng.uniform(-g, g, size=(cells, cells))
        lo_platform, hi_platform = 0.5 * sx - 0.5 * self.platform_width, 0.5 * sx + 0.5 * self.platform_width
        boxes = ring(0.0, border / 2, grid.size, floor, 0.0)
        for i in range(cells):
            for j in range(cells):
                x0, y0 = border / 2 + i * self.grid_width, border / 2 + j * self.grid_width
                x1, y1 = x0 + self.grid_width, y0 + self.grid_width
                if min(x0, y0) >= lo_platform and max(x1, y1) <= hi_platform:
                    continue  # hidden under the platform
                boxes.append((x0, y0, floor, x1, y1, tops[i, j]))
        boxes.append((lo_platform, lo_platform, floor, hi_platform, hi_platform, g))
        return SubTerrain(floor_heights(grid, floor), np.array(boxes), np.array([0.5 * sx, 0.5 * sy, g]))
