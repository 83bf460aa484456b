"""A task's terrain: the generated ground in its MjSpec, and what the task core asks of it per
environment (pure JAX, one environment; vmap for batches): the sub-terrain cell an episode plays
on, the spawn pose there, the curriculum at reset, and the ground under the height scanner.

The cell lives in State.params as `terrain_level` (row) and `terrain_type` (column), int32, set at
every reset and recorded with the episode like the other per-episode parameters. Without a
generator (the scene's flat floor) there are no cells and no such params.
"""

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from legged_mjx.errors import UserError
from legged_mjx.terrain.config import TerrainCfg, TerrainGeneratorCfg
from legged_mjx.terrain.curriculum import terrain_levels_vel
from legged_mjx.terrain.generator import generate
from legged_mjx.terrain.ground import Ground
from legged_mjx.terrain.height_scan import grid_pattern, scan_points
from legged_mjx.terrain.scene import add_terrain

CELL_PARAMS = ("terrain_level", "terrain_type")

# m, points around the base (a Go2-sized trunk and feet, +-0.3 m along x, +-0.15 m in y) whose highest
# ground the spawn height is measured from when robots start off their sub-terrain's origin
FOOTPRINT = jnp.array([[dx, dy] for dx in (-0.3, 0.0, 0.3) for dy in (-0.15, 0.0, 0.15)])


class TaskTerrain:
    """Built from a task's TerrainCfg and its episode length (s, the curriculum's command distance);
    `add_to(spec)` before compiling, `bind(model)` after."""

    def __init__(self, cfg: TerrainCfg, episode_length_s: float):
        self.cfg, self.episode_length_s = cfg, episode_length_s
        self.generator = None if cfg.generator is None else TerrainGeneratorCfg.from_dict(cfg.generator)
        self.pattern = grid_pattern(cfg.height_scan_size, cfg.height_scan_resolution, cfg.height_scan_ordering)
        if not (cfg.spawn_xy >= 0 and cfg.spawn_yaw >= 0):
            raise UserError(f"terrain.spawn_xy and terrain.spawn_yaw must be >= 0, got {cfg.spawn_xy}, {cfg.spawn_yaw}")
        for name in ("spawn_start", "height_scan_offset"):
            value = getattr(cfg, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
                raise UserError(f"terrain.{name} must be a finite number of metres, got {value!r}")
        self.terrain = None if self.generator is None else generate(self.generator)
        self.cells = None if cfg.cells is None else self._checked_cells(cfg.cells)
        self.ground = None

    def _checked_cells(self, cells) -> np.ndarray:
        rows, cols = (1, 1) if self.generator is None else (self.generator.num_rows, self.generator.num_cols)
        table = np.asarray(cells)
        if table.ndim != 2 or table.shape[1] != 2 or len(table) == 0 or not np.issubdtype(table.dtype, np.integer):
            raise UserError(f"terrain.cells must be a list of [row, col] integer pairs, got {cells!r}")
        if (table < 0).any() or (table[:, 0] >= rows).any() or (table[:, 1] >= cols).any():
            raise UserError(f"terrain.cells must lie in the {rows} x {cols} grid, got {cells!r}")
        return table.astype(np.int32)

    def add_to(self, spec: mujoco.MjSpec) -> list:
        """Put the generated terrain in place of the scene's floor (the task's MjSpec edit); returns
        the note for the task's model_notes, [] on the flat floor."""
        if self.terrain is None:
            return []
        add_terrain(spec, self.terrain)
        rows, cols = self.generator.num_rows, self.generator.num_cols
        types = ", ".join(self.generator.sub_terrains)
        return [f"floor replaced by a generated terrain (MjSpec): {rows} x {cols} sub-terrains ({types})"]

    def bind(self, model: mujoco.MjModel) -> None:
        """Read the ground from the compiled model (what every backend simulates)."""
        self.ground = Ground(model, self.terrain)

    # ----- per environment ---------------------------------------------------------------------
    def initial_cell(self, key, env_id) -> dict:
        """The first episode's cell: terrain.cells[env_id], else column env_id % num_cols on a level
        uniform in 0..max_init_terrain_level (Isaac Lab's TerrainImporter)."""
        if self.cells is not None:
            row, col = jnp.asarray(self.cells)[env_id % len(self.cells)]
            return {"terrain_level": row, "terrain_type": col}
        rows = self.generator.num_rows
        top = rows - 1 if self.cfg.max_init_terrain_level is None else min(self.cfg.max_init_terrain_level, rows - 1)
        level = jax.random.randint(key, (), 0, max(top, 0) + 1, dtype=jnp.int32)
        return {"terrain_level": level, "terrain_type": (env_id % self.generator.num_cols).astype(jnp.int32)}

    def next_cell(self, params: dict, base_xy, command, key) -> dict:
        """The cell after an episode that ended with the base at `base_xy`: the curriculum's
        (terrain_levels_vel, from the distance to the cell's origin and the command's speed), else
        the same cell."""
        cell = {name: params[name] for name in CELL_PARAMS}
        if self.cells is not None or not self.cfg.curriculum:
            return cell
        origin = jnp.asarray(self.terrain.origins, jnp.float32)[cell["terrain_level"], cell["terrain_type"]]
        level = terrain_levels_vel(
            cell["terrain_level"],
            jnp.linalg.norm(base_xy - origin[:2]),
            jnp.linalg.norm(command[:2]),
            key,
            sub_terrain_length=self.generator.size[0],
            episode_length_s=self.episode_length_s,
            num_levels=self.generator.num_rows,
        )
        return {**cell, "terrain_level": level}

    def spawn(self, qpos, params: dict, key):
        """qpos with the base moved onto its cell's origin (z added to the spawn height), spawn_start
        along +x and within +-spawn_xy of it, and turned by a yaw within +-spawn_yaw. Off the origin
        (spawn_start) the spawn height is added to the highest ground under the trunk's footprint."""
        if self.terrain is None and not (self.cfg.spawn_xy or self.cfg.spawn_yaw or self.cfg.spawn_start):
            return qpos
        origin = jnp.zeros(3)
        if self.terrain is not None:
            origin = jnp.asarray(self.terrain.origins, jnp.float32)[params["terrain_level"], params["terrain_type"]]
        key_xy, key_yaw = jax.random.split(key)
        xy = jax.random.uniform(key_xy, (2,), minval=-self.cfg.spawn_xy, maxval=self.cfg.spawn_xy)
        half_yaw = 0.5 * jax.random.uniform(key_yaw, (), minval=-self.cfg.spawn_yaw, maxval=self.cfg.spawn_yaw)
        w, z = jnp.cos(half_yaw), jnp.sin(half_yaw)  # yaw quaternion, applied before the reset orientation
        q = qpos[3:7]
        quat = jnp.array([w * q[0] - z * q[3], w * q[1] - z * q[2], w * q[2] + z * q[1], w * q[3] + z * q[0]])
        position = qpos[0:3] + origin + jnp.array([xy[0] + self.cfg.spawn_start, xy[1], 0.0])
        if self.cfg.spawn_start:
            under = self.ground(position[:2] + FOOTPRINT)
            position = position.at[2].set(qpos[2] + jnp.max(under))
        return qpos.at[0:3].set(position).at[3:7].set(quat)

    def scan(self, base_pos, base_quat) -> jnp.ndarray:
        """(P,) ground height (m) under the height-scan points of a base pose."""
        return self.ground(scan_points(base_pos, base_quat, self.pattern))
