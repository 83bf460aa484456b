"""Heightfield sub-terrain types: flat, random uniform rough, pyramid slope (up and down), waves.

Parameters, formulas and rounding follow Isaac Lab's height-field terrains (`hf_terrains.py` and
its `height_field_to_mesh` wrapper): heights are integers in units of `vertical_scale` on a
`horizontal_scale` grid; a sub-terrain of size s has s / horizontal_scale + 1 vertices per side, of
which int(border_width / horizontal_scale) + 1 on each side stay at 0 (the border), and the type's
function fills the inner square. The spawn origin is the sub-terrain's centre at the highest
height within 1 m of it.

One difference from Isaac Lab, by nature of a MuJoCo heightfield: `slope_threshold` (which turns
steep mesh faces into vertical walls) cannot apply to a heightfield; with Isaac Lab's rough
settings no face of these types is steeper than it anyway (see docs/terrain.md).
"""

from dataclasses import dataclass

import numpy as np

from legged_mjx.errors import UserError
from legged_mjx.terrain.base import Grid, SubTerrain, SubTerrainCfg, interpolate


def heightfield_sub_terrain(grid: Grid, border_width: float, inner: np.ndarray) -> SubTerrain:
    """A SubTerrain from the inner heights (int, vertical_scale units) placed inside the zero border."""
    hs = grid.horizontal_scale
    heights = np.zeros(grid.vertices, dtype=np.int64)
    border = border_pixels(grid, border_width)
    heights[border:-border, border:-border] = inner
    x1, x2 = int((grid.size[0] * 0.5 - 1) / hs), int((grid.size[0] * 0.5 + 1) / hs)
    y1, y2 = int((grid.size[1] * 0.5 - 1) / hs), int((grid.size[1] * 0.5 + 1) / hs)
    origin_z = np.max(heights[x1:x2, y1:y2]) * grid.vertical_scale
    origin = np.array([0.5 * grid.size[0], 0.5 * grid.size[1], origin_z])
    return SubTerrain(heights=heights * grid.vertical_scale, origin=origin)


def border_pixels(grid: Grid, border_width: float) -> int:
    """Vertices per side that stay at height 0: int(border_width / horizontal_scale) + 1 (Isaac Lab)."""
    if 0 < border_width < grid.horizontal_scale:
        raise UserError(f"border_width {border_width} must be 0 or >= horizontal_scale {grid.horizontal_scale}")
    return int(border_width / grid.horizontal_scale) + 1


def inner_shape(grid: Grid, border_width: float) -> tuple:
    """(nx, ny) vertices a type's function fills (inside the border)."""
    border = border_pixels(grid, border_width)
    nx, ny = (n - 2 * border for n in grid.vertices)
    if min(nx, ny) < 1:
        raise UserError(f"border_width {border_width} leaves no room in a sub-terrain of size {list(grid.size)}")
    return nx, ny


@dataclass
class FlatCfg(SubTerrainCfg):
    """Flat ground at height 0 (Isaac Lab's MeshPlaneTerrainCfg, here as heightfield zeros)."""

    def geometry(self, difficulty, grid, rng) -> SubTerrain:
        return heightfield_sub_terrain(grid, 0.0, np.zeros(inner_shape(grid, 0.0), dtype=np.int64))


@dataclass
class RandomUniformCfg(SubTerrainCfg):
    """Heights drawn uniformly from noise_range in steps of noise_step (m) on a grid of spacing
    downsampled_scale (None: horizontal_scale), cubic-spline interpolated to the heightfield
    (HfRandomUniformTerrainCfg). As in Isaac Lab the difficulty is ignored."""

    noise_range: tuple = (0.02, 0.1)
    noise_step: float = 0.02
    downsampled_scale: float | None = None
    border_width: float = 0.0

    def geometry(self, difficulty, grid, rng) -> SubTerrain:
        hs, vs = grid.horizontal_scale, grid.vertical_scale
        scale = self.downsampled_scale or hs
        if scale < hs:
            raise UserError(f"downsampled_scale {scale} must be >= horizontal_scale {hs}")
        nx, ny = inner_shape(grid, self.border_width)
        inner_size = (nx * hs, ny * hs)
        coarse = (int(inner_size[0] / scale), int(inner_size[1] / scale))
        low, high, step = (int(v / vs) for v in (*self.noise_range, self.noise_step))
        if step < 1 or high < low:
            raise UserError(f"random_uniform needs noise_step >= vertical_scale and noise_range LO <= HI, got {self}")
        samples = rng.choice(np.arange(low, high + step, step), size=coarse)
        if coarse == (nx, ny):  # the spline through every vertex is the samples themselves
            return heightfield_sub_terrain(grid, self.border_width, samples)
        from scipy.interpolate import RectBivariateSpline

        spline = RectBivariateSpline(np.linspace(0, 1, coarse[0]), np.linspace(0, 1, coarse[1]), samples)
        fine = spline(np.linspace(0, 1, nx), np.linspace(0, 1, ny))
        return heightfield_sub_terrain(grid, self.border_width, np.rint(fine).astype(np.int64))


@dataclass
class PyramidSlopedCfg(SubTerrainCfg):
    """A truncated pyramid: height_max x_rel y_rel with x_rel, y_rel = 1 at the centre and 0 at the
    inner edge, height_max = slope (inner size / 2), trimmed to a platform of platform_width;
    inverted: a pit (HfPyramidSlopedTerrainCfg and HfInvertedPyramidSlopedTerrainCfg). slope_range
    is the height gain per metre along the centre lines, interpolated by difficulty."""

    slope_range: tuple = (0.0, 0.4)
    platform_width: float = 1.0
    inverted: bool = False
    border_width: float = 0.0

    def geometry(self, difficulty, grid, rng) -> SubTerrain:
        hs, vs = grid.horizontal_scale, grid.vertical_scale
        slope = interpolate(self.slope_range, difficulty) * (-1 if self.inverted else 1)
        nx, ny = inner_shape(grid, self.border_width)
        height_max = int(slope * (nx * hs) / 2 / vs)
        cx, cy = int(nx / 2), int(ny / 2)
        x_rel = (cx - np.abs(cx - np.arange(nx))) / cx
        y_rel = (cy - np.abs(cy - np.arange(ny))) / cy
        raw = height_max * x_rel[:, None] * y_rel[None, :]
        half_platform = int(self.platform_width / hs / 2)
        z_platform = raw[nx // 2 - half_platform, ny // 2 - half_platform]
        raw = np.clip(raw, min(0, z_platform), max(0, z_platform))
        return heightfield_sub_terrain(grid, self.border_width, np.rint(raw).astype(np.int64))


@dataclass
class WaveCfg(SubTerrainCfg):
    """Waves (A / 2) (cos(2 pi y / L) + sin(2 pi x / L)), so within +-A: amplitude A from
    amplitude_range by difficulty, wavelength L = inner width along y / num_waves, both axes
    (HfWaveTerrainCfg)."""

    amplitude_range: tuple = (0.0, 0.2)
    num_waves: int = 1
    border_width: float = 0.0

    def geometry(self, difficulty, grid, rng) -> SubTerrain:
        if self.num_waves <= 0:
            raise UserError(f"wave needs num_waves >= 1, got {self.num_waves}")
        amplitude = interpolate(self.amplitude_range, difficulty)
        nx, ny = inner_shape(grid, self.border_width)
        amplitude_units = int(0.5 * amplitude / grid.vertical_scale)
        wave_number = 2 * np.pi / (ny / self.num_waves)
        raw = amplitude_units * (
            np.cos(np.arange(ny) * wave_number)[None, :] + np.sin(np.arange(nx) * wave_number)[:, None]
        )
        return heightfield_sub_terrain(grid, self.border_width, np.rint(raw).astype(np.int64))
