"""Which environment runs which (sweep row, perturbation set, terrain cell).

Environment i stands on terrain cell i mod cells (the task's terrain.cells is that list, so its
environment i spawns there) and runs combination k = (i div cells) mod (rows x sets): row k mod rows
and set k div rows. Every (row, set, cell) gets num_envs / (rows x sets x cells) environments
(rounded down or up). Without a terrain sweep there is one cell, the scene's floor.
"""

from dataclasses import dataclass

import numpy as np

from legged_mjx.errors import UserError
from legged_mjx.sim2sim.velocity import AXES


@dataclass
class Layout:
    rows: list  # SweepRow
    perturbations: list  # Perturbation, NOMINAL first
    num_envs: int
    cells: list | None = None  # terrain_sweep.TerrainCell per terrain column; None: the scene's floor

    def __post_init__(self):
        num_cells = len(self.cells or [None])
        combos = len(self.rows) * len(self.perturbations)
        if self.num_envs < combos * num_cells:
            raise UserError(
                f"num_envs {self.num_envs} < {len(self.rows)} sweep rows x {len(self.perturbations)} perturbation sets"
                f" x {num_cells} terrain cells = {combos * num_cells}: raise --num_envs or shrink"
                " --sweep/--perturb/--terrain"
            )
        self.cell_of = np.arange(self.num_envs) % num_cells  # (N,) terrain cell (column) per environment
        combo = (np.arange(self.num_envs) // num_cells) % combos
        self.row_of = combo % len(self.rows)  # (N,) row index per environment
        self.set_of = combo // len(self.rows)  # (N,) perturbation set index per environment

    @property
    def axes(self) -> list:
        """The tracked axes ("vx", "vy", "wz": those the task commands), in the rows' order."""
        return list(self.rows[0].command)

    def velocity_commands(self) -> np.ndarray:
        """(N, len(axes)) commanded velocities per environment."""
        return np.array([list(self.rows[r].command.values()) for r in self.row_of], np.float32)

    def task_commands(self, command_cfg) -> np.ndarray:
        """(N, C) full command vectors in the task's command order: the sweep's velocities, and the
        middle of the training range for any other slot (e.g. Go2's height command)."""
        velocity = dict(zip(self.axes, self.velocity_commands().T))
        middle = {name: np.full(self.num_envs, np.mean(command_cfg.ranges[name])) for name in command_cfg.names}
        columns = [velocity[AXES[name]] if AXES.get(name) in velocity else middle[name] for name in command_cfg.names]
        return np.stack(columns, axis=1).astype(np.float32)

    def scales(self) -> dict:
        """{friction, mass, gain: (N,)} perturbation scales per environment."""
        return {
            name: np.array([self.perturbations[s].scales[name] for s in self.set_of], np.float32)
            for name in ("friction", "mass", "gain")
        }

    def push_speed(self) -> np.ndarray:
        return np.array([self.perturbations[s].push for s in self.set_of], np.float32)

    def envs(self, row: int | None = None, pset: int | None = None, cell: int | None = None) -> np.ndarray:
        """Indices of the environments of one row, perturbation set and/or terrain cell."""
        keep = np.ones(self.num_envs, bool)
        for index, value in ((self.row_of, row), (self.set_of, pset), (self.cell_of, cell)):
            if value is not None:
                keep &= index == value
        return np.flatnonzero(keep)

    def judged_cells(self) -> list:
        """The terrain cells the verdict's checks judge: the flat ones, else every type's easiest
        level (all environments without a terrain sweep)."""
        if not self.cells:
            return [0]
        flat = [c for c, cell in enumerate(self.cells) if cell.value is None]
        return flat or [c for c, cell in enumerate(self.cells) if cell.level == 0]
