"""What every sub-terrain type shares: the grid it is generated on, the geometry it returns, and the
base of its config class.

A sub-terrain type is a config dataclass (its parameters, Isaac Lab's names and meaning) whose
`geometry(difficulty, grid, rng)` is a pure function of the difficulty in [0, 1] (and of `rng` for
random types) returning a `SubTerrain` in the sub-terrain's own frame: x in [0, size[0]], y in
[0, size[1]], the heightfield's vertices at multiples of `horizontal_scale`.
"""

import abc
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Grid:
    """The generator's settings every sub-terrain is generated with (Isaac Lab's TerrainGeneratorCfg)."""

    size: tuple  # (length x, width y) of one sub-terrain (m)
    horizontal_scale: float  # heightfield vertex spacing (m)
    vertical_scale: float  # heightfield height quantum of the heightfield types (m)

    @property
    def vertices(self) -> tuple:
        """Heightfield vertices along x and y, boundaries included: size / horizontal_scale + 1."""
        return tuple(int(round(s / self.horizontal_scale)) + 1 for s in self.size)


@dataclass
class SubTerrain:
    """One sub-terrain's geometry in its own frame (SI units).

    heights: (nx, ny) float64, ground height (m) at the heightfield vertices (x index first), 0 on
        the boundary so that neighbours join; under box geometry it is the hidden floor.
    boxes: (K, 6) float64, axis-aligned boxes (x_lo, y_lo, z_lo, x_hi, y_hi, z_hi), m; the ground is
        the highest surface: max(heightfield, tops of the boxes covering a point).
    origin: (3,) where robots spawn (the platform or centre), m.
    """

    heights: np.ndarray
    boxes: np.ndarray = field(default_factory=lambda: np.zeros((0, 6)))
    origin: np.ndarray = field(default_factory=lambda: np.zeros(3))


@dataclass
class SubTerrainCfg(abc.ABC):
    """Base of every sub-terrain type: its share of the grid's columns (curriculum) or cells (random)."""

    proportion: float = 1.0

    @abc.abstractmethod
    def geometry(self, difficulty: float, grid: Grid, rng: np.random.Generator) -> SubTerrain:
        """The cell at `difficulty` (0..1) on `grid`, drawn with `rng`."""


def interpolate(bounds, difficulty: float) -> float:
    """bounds[0] + difficulty (bounds[1] - bounds[0]): a parameter range at a difficulty (Isaac Lab's rule)."""
    return bounds[0] + difficulty * (bounds[1] - bounds[0])
