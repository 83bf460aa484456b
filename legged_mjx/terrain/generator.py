"""The terrain generator: a grid of sub-terrains laid out as Isaac Lab's TerrainGenerator does (rows
along x are difficulty levels, columns along y are types, the grid centred on the world origin
inside a flat border), as one heightfield plus box geometry, with a spawn origin per sub-terrain.

Deterministic: every cell's difficulty jitter and random geometry come from its own generator
seeded (seed, row, col), so the same config rebuilds the same ground bit for bit, and one cell can
be rebuilt alone (`cell`).
"""

from dataclasses import dataclass

import numpy as np

from legged_mjx.terrain.base import Grid
from legged_mjx.terrain.config import TerrainGeneratorCfg


@dataclass
class Terrain:
    """A generated terrain in the world frame (SI units).

    heights: (nx, ny) float64, ground height at vertex (i, j) = (corner[0] + i hs, corner[1] + j hs).
    boxes: (K, 6) axis-aligned boxes (x_lo, y_lo, z_lo, x_hi, y_hi, z_hi); box_cells (K,) the cell
        (row * num_cols + col) each belongs to. The ground is max(heightfield, covering box tops).
    origins: (num_rows, num_cols, 3) spawn origin of every sub-terrain.
    types: (num_rows, num_cols) index into `names` (the config's sub-terrain names, in order).
    difficulty: (num_rows, num_cols) in the config's difficulty_range.
    """

    cfg: TerrainGeneratorCfg
    heights: np.ndarray
    corner: tuple
    boxes: np.ndarray
    box_cells: np.ndarray
    origins: np.ndarray
    types: np.ndarray
    difficulty: np.ndarray
    names: tuple

    @property
    def grid_corner(self) -> tuple:
        """World (x, y) of the sub-terrain grid's corner, cell (0, 0)'s frame origin."""
        return tuple(-0.5 * n * s for n, s in zip((self.cfg.num_rows, self.cfg.num_cols), self.cfg.size))


def grid_of(cfg: TerrainGeneratorCfg) -> Grid:
    return Grid(size=tuple(cfg.size), horizontal_scale=cfg.horizontal_scale, vertical_scale=cfg.vertical_scale)


def column_types(cfg: TerrainGeneratorCfg) -> np.ndarray:
    """(num_cols,) type index of each column with a curriculum: by cumulative proportion (Isaac Lab's rule)."""
    proportions = np.array([sub.proportion for sub in cfg.sub_terrains.values()], dtype=float)
    cumulative = np.cumsum(proportions / proportions.sum())
    return np.array([np.min(np.where(c / cfg.num_cols + 0.001 < cumulative)[0]) for c in range(cfg.num_cols)])


def cell(cfg: TerrainGeneratorCfg, row: int, col: int) -> tuple:
    """(type index, difficulty, SubTerrain) of one cell, in the sub-terrain's own frame."""
    rng = np.random.default_rng([cfg.seed, row, col])
    lower, upper = cfg.difficulty_range
    subs = list(cfg.sub_terrains.values())
    if cfg.curriculum:
        kind = int(column_types(cfg)[col])
        level = (row + rng.uniform()) / cfg.num_rows if cfg.jitter else row / max(cfg.num_rows - 1, 1)
        difficulty = lower + (upper - lower) * level
    else:
        proportions = np.array([sub.proportion for sub in subs], dtype=float)
        kind = int(rng.choice(len(subs), p=proportions / proportions.sum()))
        difficulty = rng.uniform(lower, upper)
    return kind, float(difficulty), subs[kind].geometry(float(difficulty), grid_of(cfg), rng)


def generate(cfg: TerrainGeneratorCfg) -> Terrain:
    """Generate every cell, place it in the grid, and return the whole terrain."""
    cfg.check()
    hs = cfg.horizontal_scale
    steps = [int(round(s / hs)) for s in cfg.size]
    border = int(round(cfg.border_width / hs))
    heights = np.zeros((cfg.num_rows * steps[0] + 1 + 2 * border, cfg.num_cols * steps[1] + 1 + 2 * border))
    origins = np.zeros((cfg.num_rows, cfg.num_cols, 3))
    types = np.zeros((cfg.num_rows, cfg.num_cols), dtype=np.int32)
    difficulty = np.zeros((cfg.num_rows, cfg.num_cols))
    boxes, box_cells = [np.zeros((0, 6))], [np.zeros(0, dtype=np.int32)]
    x0, y0 = (-0.5 * n * s for n, s in zip((cfg.num_rows, cfg.num_cols), cfg.size))
    for row in range(cfg.num_rows):
        for col in range(cfg.num_cols):
            types[row, col], difficulty[row, col], sub = cell(cfg, row, col)
            i, j = border + row * steps[0], border + col * steps[1]
            heights[i : i + steps[0] + 1, j : j + steps[1] + 1] = sub.heights
            shift = np.array([x0 + row * cfg.size[0], y0 + col * cfg.size[1], 0.0])
            origins[row, col] = sub.origin + shift
            boxes.append(sub.boxes + np.concatenate([shift, shift]))
            box_cells.append(np.full(len(sub.boxes), row * cfg.num_cols + col, dtype=np.int32))
    corner = (x0 - border * hs, y0 - border * hs)
    boxes, box_cells = np.concatenate(boxes), np.concatenate(box_cells)
    if cfg.primitives == "heightfield":
        heights = rasterize(heights, corner, hs, boxes)
        boxes, box_cells = boxes[:0], box_cells[:0]
    names = tuple(cfg.sub_terrains)
    return Terrain(cfg, heights, corner, boxes, box_cells, origins, types, difficulty, names)


def rasterize(heights: np.ndarray, corner: tuple, hs: float, boxes: np.ndarray) -> np.ndarray:
    """The heightfield with every box's top raised onto the vertices it covers (edges included: a
    vertex on a step edge takes the upper step's height)."""
    heights = heights.copy()
    xs = corner[0] + hs * np.arange(heights.shape[0])
    ys = corner[1] + hs * np.arange(heights.shape[1])
    tolerance = 1e-6 * hs
    for x_lo, y_lo, _, x_hi, y_hi, top in boxes:
        i = np.flatnonzero((xs >= x_lo - tolerance) & (xs <= x_hi + tolerance))
        j = np.flatnonzero((ys >= y_lo - tolerance) & (ys <= y_hi + tolerance))
        if len(i) and len(j):
            block = heights[i[0] : i[-1] + 1, j[0] : j[-1] + 1]
            np.maximum(block, top, out=block)
    return heights
