"""The terrain axis of a sweep (`--terrain`): sub-terrain types, each at levels of its defining
quantity, built with the terrain generator (legged_mjx/terrain) as one row of sub-terrains, one
column per (type, level), every environment on its own column's origin facing +x.

Items: `TYPE` (its default range) or `TYPE:LO-HI` (the range of its quantity, in its unit), split
into `levels` evenly spaced values (`flat` has one); `standard` expands to STANDARD; `training` (alone)
is the terrain a policy was trained on (`training_terrain`): an Isaac Lab env.yaml's
scene.terrain.terrain_generator, or a terrain task's own generator, one cell per sub-terrain type
and row (level), its value the cell's difficulty. Types and what
their level value is (the parameters are Isaac Lab's sub-terrain parameters, held at that value):

    flat         -                                   flat
    slope_up     slope (m/m), climbing out of a pit   pyramid_sloped, inverted: true
    slope_down   slope (m/m), from a hilltop down      pyramid_sloped
    stairs_up    step height (m), out of a pit         pyramid_stairs, inverted: true
    stairs_down  step height (m), from the top down    pyramid_stairs
    rough        top of the random heights (m)         random_uniform, noise_range [0, value]
    boxes        box height (m)                        random_grid, grid_height_range [value, value]
    waves        wave amplitude (m)                    wave, amplitude_range [value, value]

A robot starts on the sub-terrain's origin (the platform at its centre) and a forward command
takes it outwards across the feature, so `_up` types climb and `_down` types descend.
"""

import copy
from dataclasses import dataclass

import numpy as np

from legged_mjx.errors import UserError
from legged_mjx.terrain.config import TerrainGeneratorCfg
from legged_mjx.terrain.generator import generate

SIZE = 8.0  # m, a sub-terrain's side (Isaac Lab's rough grid)
HORIZONTAL_SCALE, VERTICAL_SCALE = 0.1, 0.005  # m
SPAWN_CLEARANCE = 0.05  # m added to the spawn height: feet start clear of a heightfield (docs/terrain.md)
DEFAULT_LEVELS = 5

_STAIRS = {"type": "pyramid_stairs", "step_width": 0.3, "platform_width": 3.0, "border_width": 1.0}
_SLOPE = {"type": "pyramid_sloped", "platform_width": 2.0, "border_width": 0.25}
# name -> (parameter set to the level value, unit, default range, fixed parameters: the rough preset's)
TYPES = {
    "flat": (None, "", None, {"type": "flat"}),
    "slope_up": ("slope_range", "m/m", (0.0, 0.4), {**_SLOPE, "inverted": True}),
    "slope_down": ("slope_range", "m/m", (0.0, 0.4), {**_SLOPE, "inverted": False}),
    "stairs_up": ("step_height_range", "m", (0.05, 0.2), {**_STAIRS, "inverted": True}),
    "stairs_down": ("step_height_range", "m", (0.05, 0.2), {**_STAIRS, "inverted": False}),
    "rough": ("noise_range", "m", (0.02, 0.1), {"type": "random_uniform", "noise_step": 0.005, "border_width": 0.25}),
    "boxes": (
        "grid_height_range",
        "m",
        (0.025, 0.15),
        {"type": "random_grid", "grid_width": 0.45, "platform_width": 2.0},
    ),
    "waves": ("amplitude_range", "m", (0.05, 0.2), {"type": "wave", "num_waves": 2, "border_width": 0.25}),
}
STANDARD = ["flat", "slope_up", "slope_down", "stairs_up", "stairs_down", "rough", "boxes", "waves"]


@dataclass
class TerrainSweep:
    """The terrain a sweep runs on: the generator (a terrain.generator dict), its cells and where
    they are in its grid ([row, col] per cell: environment i stands on cells[i mod len(cells)])."""

    cells: list  # TerrainCell, types in order, levels easiest first
    generator: dict
    grid_cells: list  # [[row, col], ...], one per cell
    start: float = 0.0  # m along +x from each cell's origin where robots start (--terrain_start)


@dataclass(frozen=True)
class TerrainCell:
    """One sub-terrain of the sweep: its type, level (0 = easiest) and the level's value."""

    type: str
    level: int
    value: float | None  # in TYPES[type]'s unit; None for flat
    unit: str

    @property
    def name(self) -> str:
        return self.type if self.value is None else f"{self.type} {self.value:g}"


def _range(item: str, text: str) -> tuple:
    try:
        low, high = (float(v) for v in text.split("-", 1)) if "-" in text else (float(text), float(text))
    except ValueError:
        raise UserError(f"--terrain {item}: expected TYPE:LO-HI with numbers, got '{text}'") from None
    if not 0 <= low <= high:
        raise UserError(f"--terrain {item}: expected 0 <= LO <= HI, got {low:g}-{high:g}")
    return low, high


def parse_terrain(items: list, levels: int = DEFAULT_LEVELS) -> list:
    """The TerrainCells of --terrain items (types in the given order, levels easiest first); [] for
    `training` (its cells come from the trained-on terrain, training_terrain)."""
    if levels < 1:
        raise UserError(f"--terrain_levels must be >= 1, got {levels}")
    if "training" in items:
        if len(items) != 1:
            raise UserError("--terrain training stands alone (the trained-on terrain, all its types and levels)")
        return []
    expanded = [t for item in items for t in (STANDARD if item == "standard" else [item])]
    cells, seen = [], set()
    for item in expanded:
        kind, _, text = item.partition(":")
        if kind not in TYPES:
            raise UserError(f"--terrain: unknown type '{kind}' (known: {', '.join(TYPES)}, standard)")
        if kind in seen:
            raise UserError(f"--terrain: type '{kind}' given twice")
        seen.add(kind)
        parameter, unit, default, _ = TYPES[kind]
        if parameter is None:
            if text:
                raise UserError(f"--terrain {item}: flat takes no range")
            cells.append(TerrainCell(kind, 0, None, unit))
            continue
        low, high = _range(item, text) if text else default
        for level, value in enumerate(np.linspace(low, high, levels) if levels > 1 else [high]):
            cells.append(TerrainCell(kind, level, round(float(value), 6), unit))
    if not cells:
        raise UserError("--terrain: no terrain types")
    return cells


def sub_terrain(cell: TerrainCell) -> dict:
    """The generator's sub-terrain dict of one cell (proportion 1: column c is sub-terrain c)."""
    parameter, _, _, fixed = TYPES[cell.type]
    sub = {**fixed, "proportion": 1.0}
    if parameter == "noise_range":
        sub[parameter] = [0.0, cell.value]
    elif parameter is not None:
        sub[parameter] = [cell.value, cell.value]
    return sub


def sweep_generator(cells: list, reach: float, seed: int = 0) -> dict:
    """terrain.generator for the cells: one row of SIZE x SIZE sub-terrains, column c = cells[c],
    exact levels (no jitter), inside a flat border wide enough for `reach` m of travel from a
    sub-terrain's centre (at least 2 m)."""
    border = max(2.0, np.ceil(reach - SIZE / 2 + 1.0))
    return {
        "seed": seed,
        "curriculum": True,
        "jitter": False,
        "size": [SIZE, SIZE],
        "border_width": float(border),
        "num_rows": 1,
        "num_cols": len(cells),
        "horizontal_scale": HORIZONTAL_SCALE,
        "vertical_scale": VERTICAL_SCALE,
        "sub_terrains": {f"{i:02d} {cell.name}": sub_terrain(cell) for i, cell in enumerate(cells)},
    }


def reach_of(rows: list, duration_s: float) -> float:
    """m the fastest linear command of the sweep rows travels in duration_s (the border's reach)."""
    speeds = [sum(row.command.get(axis, 0.0) ** 2 for axis in ("vx", "vy")) ** 0.5 for row in rows]
    return max(speeds, default=0.0) * duration_s


def typed_sweep(cells: list, reach: float, seed: int = 0) -> TerrainSweep:
    """The TerrainSweep of parsed --terrain cells: one row, column c = cells[c] (sweep_generator)."""
    return TerrainSweep(cells, sweep_generator(cells, reach, seed), [[0, c] for c in range(len(cells))])


def training_terrain(generator: dict) -> TerrainSweep:
    """The TerrainSweep of a trained-on terrain (a terrain.generator dict): one cell per sub-terrain
    type (its first column) and row, easiest row first; a cell's value is its difficulty."""
    terrain = generate(TerrainGeneratorCfg.from_dict(generator))
    cells, grid_cells = [], []
    for kind, name in enumerate(terrain.names):
        columns = np.flatnonzero(terrain.types[0] == kind)
        if not len(columns):
            continue  # a type with too small a proportion for a column
        for row in range(terrain.cfg.num_rows):
            cells.append(TerrainCell(name, row, round(float(terrain.difficulty[row, columns[0]]), 3), "difficulty"))
            grid_cells.append([row, int(columns[0])])
    return TerrainSweep(cells, generator, grid_cells)


def with_terrain(cfg, sweep: TerrainSweep):
    """A copy of task config `cfg` on the sweep's terrain: environment i on cell i mod len(cells)
    (terrain.cells), spawned on its origin (or sweep.start m out along +x, above the ground there)
    facing +x, SPAWN_CLEARANCE higher; the height scanner and everything else stay the task's (a
    blind policy simply walks on it)."""
    cfg = copy.deepcopy(cfg)
    cfg.terrain.generator = copy.deepcopy(sweep.generator)
    cfg.terrain.cells = [list(pair) for pair in sweep.grid_cells]
    cfg.terrain.spawn_xy, cfg.terrain.spawn_yaw, cfg.terrain.spawn_start = 0.0, 0.0, sweep.start
    cfg.env.spawn_height += SPAWN_CLEARANCE
    return cfg


def terrain_limits(cells: list, fall_rates: list, progress: list, max_fall_rate: float, min_progress: float) -> dict:
    """type -> {level, value}: the hardest level up to which every level's fall rate is within
    max_fall_rate and its progress (fraction of the way from the sub-terrain's centre to its edge) at
    least min_progress (level and value None where even the easiest level fails). Without the
    progress a robot that stands on the centre platform, which never meets the feature, would pass
    every level."""
    limits = {}
    units = {cell.type: cell.unit for cell in cells}
    for kind in units:
        limit = {"level": None, "value": None, "unit": units[kind]}
        for cell, rate, got in zip(cells, fall_rates, progress):
            if cell.type != kind:
                continue
            if rate is None or rate > max_fall_rate or got is None or got < min_progress:
                break
            limit.update(level=cell.level, value=cell.value)
        limits[kind] = limit
    return limits
