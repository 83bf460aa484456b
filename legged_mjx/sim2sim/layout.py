"""Which environment runs which (sweep row, perturbation set).

Environment i runs combination k = i mod (rows x sets), row k mod rows and set k div rows, so every
combination gets num_envs / (rows x sets) environments (rounded down or up).
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

    def __post_init__(self):
        combos = len(self.rows) * len(self.perturbations)
        if self.num_envs < combos:
            raise UserError(
                f"num_envs {self.num_envs} < {len(self.rows)} sweep rows x {len(self.perturbations)} perturbation sets"
                f" = {combos}: raise --num_envs or shrink --sweep/--perturb"
            )
        combo = np.arange(self.num_envs) % combos
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

    def envs(self, row: int | None = None, pset: int | None = None) -> np.ndarray:
        """Indices of the environments of one row and/or one perturbation set."""
        keep = np.ones(self.num_envs, bool)
        if row is not None:
            keep &= self.row_of == row
        if pset is not None:
            keep &= self.set_of == pset
        return np.flatnonzero(keep)
