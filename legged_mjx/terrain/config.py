"""Terrain configuration: the generator (Isaac Lab's TerrainGeneratorCfg parameters and meaning), the
sub-terrain types by name, and the task's `terrain` section (where robots spawn, the curriculum,
the height scanner).

In a task config the generator is a plain dict (saved with every run in cfgs.pkl / cfgs.yaml and
rebuilt from it): the generator's fields, and `sub_terrains: {name: {type: <type>, proportion:
..., <parameters>}}`. `TerrainGeneratorCfg.from_dict` checks it (unknown keys, types and values
are one-line UserErrors).
"""

import dataclasses
from dataclasses import dataclass, field

from legged_mjx.errors import UserError
from legged_mjx.terrain.heightfield import FlatCfg, PyramidSlopedCfg, RandomUniformCfg, WaveCfg
from legged_mjx.terrain.primitives import PyramidStairsCfg, RandomGridCfg

# type name -> config class; Isaac Lab's function names without "_terrain" (inverted ones: inverted: true)
SUB_TERRAIN_TYPES = {
    "flat": FlatCfg,
    "random_uniform": RandomUniformCfg,
    "pyramid_sloped": PyramidSlopedCfg,
    "wave": WaveCfg,
    "pyramid_stairs": PyramidStairsCfg,
    "random_grid": RandomGridCfg,
}
PRIMITIVES = ("heightfield", "boxes")  # how box sub-terrains enter the MuJoCo model


@dataclass
class TerrainGeneratorCfg:
    """A grid of num_rows x num_cols sub-terrains of `size` (m) inside a flat border of border_width
    (m): rows along x are difficulty levels, columns along y are types (Isaac Lab's layout, centred
    on the world origin). With `curriculum` every column holds one type (by proportion) and row r
    has difficulty lower + (upper - lower) (r + u) / num_rows, u ~ U(0, 1); without `jitter` it is
    lower + (upper - lower) r / (num_rows - 1) (exact levels spanning the range, for sweeps).
    Without `curriculum` every cell draws its type by proportion and its difficulty uniformly. Each cell's
    randomness comes from its own seed (seed, row, col). `primitives`: box sub-terrains as box
    geoms or rasterised into the heightfield."""

    seed: int = 0
    curriculum: bool = True
    jitter: bool = True
    size: tuple = (8.0, 8.0)
    border_width: float = 20.0
    num_rows: int = 10
    num_cols: int = 20
    horizontal_scale: float = 0.1
    vertical_scale: float = 0.005
    slope_threshold: float | None = 0.75  # kept for Isaac Lab's meaning; a MuJoCo heightfield has no vertical faces
    difficulty_range: tuple = (0.0, 1.0)
    primitives: str = "heightfield"
    sub_terrains: dict = field(default_factory=dict)  # name -> SubTerrainCfg

    @classmethod
    def from_dict(cls, data: dict) -> "TerrainGeneratorCfg":
        """A checked config from its plain-dict form (as to_dict writes it)."""
        if not isinstance(data, dict):
            raise UserError(f"terrain.generator must be a mapping, got {data!r}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UserError(f"unknown terrain.generator keys: {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        values = {k: v for k, v in data.items() if k != "sub_terrains"}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
        cfg = cls(**values, sub_terrains={n: _sub_terrain(n, s) for n, s in data.get("sub_terrains", {}).items()})
        cfg.check()
        return cfg

    def to_dict(self) -> dict:
        """Plain data (lists, numbers, strings): what a task config holds."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "sub_terrains"}
        data = {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}
        data["sub_terrains"] = {name: _sub_terrain_dict(sub) for name, sub in self.sub_terrains.items()}
        return data

    def check(self) -> None:
        hs = self.horizontal_scale
        problems = []
        if not (isinstance(self.seed, int) and not isinstance(self.seed, bool)):
            problems.append(f"seed must be an integer, got {self.seed!r}")
        if not (self.num_rows >= 1 and self.num_cols >= 1):
            problems.append(f"num_rows and num_cols must be >= 1, got {self.num_rows}, {self.num_cols}")
        if not (hs > 0 and self.vertical_scale > 0):
            problems.append("horizontal_scale and vertical_scale must be > 0")
        elif not (len(self.size) == 2 and all(s > 0 and _multiple(s, hs) for s in self.size)):
            problems.append(f"size must be two positive multiples of horizontal_scale {hs}, got {list(self.size)}")
        elif not (self.border_width >= 0 and _multiple(self.border_width, hs)):
            problems.append(f"border_width must be a multiple of horizontal_scale {hs} (>= 0), got {self.border_width}")
        if not (len(self.difficulty_range) == 2 and 0 <= self.difficulty_range[0] <= self.difficulty_range[1] <= 1):
            problems.append(f"difficulty_range must be 0 <= LO <= HI <= 1, got {list(self.difficulty_range)}")
        if self.primitives not in PRIMITIVES:
            problems.append(f"primitives must be one of {', '.join(PRIMITIVES)}, got {self.primitives!r}")
        if not self.sub_terrains:
            problems.append("sub_terrains is empty")
        elif not all(sub.proportion >= 0 for sub in self.sub_terrains.values()) or not sum(
            sub.proportion for sub in self.sub_terrains.values()
        ):
            problems.append("sub-terrain proportions must be >= 0 and not all 0")
        if problems:
            raise UserError("terrain.generator: " + "; ".join(problems))


def _multiple(value: float, step: float) -> bool:
    return abs(value / step - round(value / step)) < 1e-6


def _sub_terrain(name: str, data: dict):
    if not isinstance(data, dict) or data.get("type") not in SUB_TERRAIN_TYPES:
        got = data.get("type") if isinstance(data, dict) else data
        raise UserError(f"sub-terrain '{name}' needs a type, one of {', '.join(SUB_TERRAIN_TYPES)} (got {got!r})")
    cls = SUB_TERRAIN_TYPES[data["type"]]
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k != "type"}
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(params) - known)
    if unknown:
        raise UserError(
            f"sub-terrain '{name}' ({data['type']}): unknown keys {', '.join(unknown)}"
            f" (known: {', '.join(sorted(known))})"
        )
    return cls(**params)


def _sub_terrain_dict(sub) -> dict:
    kind = next(name for name, cls in SUB_TERRAIN_TYPES.items() if type(sub) is cls)
    values = {f.name: getattr(sub, f.name) for f in dataclasses.fields(sub)}
    return {"type": kind, **{k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}}


@dataclass
class TerrainCfg:
    """The task's `terrain` section (SI units, radians).

    generator: a TerrainGeneratorCfg as a plain dict, or None for the scene file's own flat floor.
    curriculum: Isaac Lab's terrain_levels_vel at every reset (curriculum.py).
    max_init_terrain_level: first episodes start on a level drawn from 0..this (Isaac Lab's
        TerrainImporterCfg); None: any level.
    cells: None, or [[row, col], ...]: environment i always spawns on cell i % len(cells) (no
        curriculum), e.g. each environment on its own sub-terrain in an evaluation sweep.
    spawn_xy, spawn_yaw: reset position uniform within +-spawn_xy (m) of the sub-terrain origin,
        heading uniform within +-spawn_yaw (rad) (Isaac Lab's reset_root_state_uniform pose_range).
    spawn_start: m along the world's +x from the origin where robots start (0: on the origin); off
        the origin the spawn height is measured from the highest ground under the trunk's footprint,
        e.g. a sweep's robots started on the stairs themselves.
    height_scan_*: the height scanner (Isaac Lab's GridPatternCfg on the base, yaw-aligned):
        `size` (length x, width y) m, `resolution` m, `ordering` xy (x fastest) or yx, `offset`
        m subtracted from base height - ground height.
    """

    generator: dict | None = None
    curriculum: bool = True
    max_init_terrain_level: int | None = 5
    cells: list | None = None
    spawn_xy: float = 0.0
    spawn_yaw: float = 0.0
    spawn_start: float = 0.0
    height_scan_size: list = field(default_factory=lambda: [1.6, 1.0])
    height_scan_resolution: float = 0.1
    height_scan_ordering: str = "xy"
    height_scan_offset: float = 0.5
