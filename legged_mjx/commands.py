"""Command sampling: uniform in configured ranges, or a fixed table of command rows."""

from dataclasses import dataclass, field

import jax
import jax.numpy as jnp

from legged_mjx.errors import UserError


@dataclass
class CommandCfg:
    """Section `command` of a TaskCfg. names: command slots in order (C of them; velocity slots
    lin_vel_x, lin_vel_y in m/s and ang_vel_z in rad/s, body frame; Go2 adds height in m and jump);
    ranges: name -> [low, high], sampled uniformly at every reset and every resample_s (s).

    table: optional list of full command rows; environment i then follows row i % len(table) for
    its whole life (never resampled), which is how sweeps and fixed-command collection work.
    A slot without a range, or a table row without C values, is a UserError (check_commands).
    """

    names: list = field(default_factory=list)
    ranges: dict = field(default_factory=dict)
    resample_s: float = 4.0
    rel_standing_envs: float = 0.0  # probability that a sample is all zeros (Isaac Lab's standing envs)
    table: list | None = None


def check_commands(cfg: CommandCfg) -> None:
    missing = [n for n in cfg.names if n not in cfg.ranges]
    if missing:
        raise UserError(f"command ranges missing for: {', '.join(missing)}")
    if cfg.table is not None:
        bad = [row for row in cfg.table if len(row) != len(cfg.names)]
        if not cfg.table or bad:
            raise UserError(f"command table rows need {len(cfg.names)} values ({', '.join(cfg.names)})")


def sample_command(cfg: CommandCfg, key: jax.Array, env_id: jax.Array) -> jax.Array:
    """One environment's command: its table row, or uniform in [low, high] per slot (all zeros with
    probability rel_standing_envs)."""
    if cfg.table is not None:
        table = jnp.asarray(cfg.table, dtype=jnp.float32)
        return table[env_id % table.shape[0]]
    low, high = jnp.asarray([cfg.ranges[n] for n in cfg.names], dtype=jnp.float32).T
    if not cfg.rel_standing_envs:
        return jax.random.uniform(key, low.shape, minval=low, maxval=high)
    key_command, key_standing = jax.random.split(key)
    command = jax.random.uniform(key_command, low.shape, minval=low, maxval=high)
    return jnp.where(jax.random.uniform(key_standing) < cfg.rel_standing_envs, 0.0, command)
