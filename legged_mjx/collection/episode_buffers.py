"""The host ring that holds the recent steps of every environment until their episodes finish."""

import numpy as np


class EpisodeBuffers:
    """The last max_episode_length steps of all environments on the host: a ring over time of
    (max_episode_length, num_envs, ...) per key, step g at slot g % max_episode_length (contiguous
    writes). A running episode is never overwritten: it is at most max_episode_length steps long.
    np.empty pages only take memory once written."""

    def __init__(self, num_envs: int, max_length: int):
        self.num_envs, self.max_length, self.rows, self.steps = num_envs, max_length, None, 0

    def add(self, fields: dict) -> None:
        if self.rows is None:
            self.rows = {
                k: np.empty((self.max_length, self.num_envs, *v.shape[1:]), v.dtype) for k, v in fields.items()
            }
        slot = self.steps % self.max_length
        for key, value in fields.items():
            self.rows[key][slot] = value
        self.steps += 1

    def take(self, env: int, length: int) -> dict:
        """The last `length` steps of environment `env` (a copy)."""
        slots = np.arange(self.steps - length, self.steps) % self.max_length
        return {key: rows[slots, env] for key, rows in self.rows.items()}

    @property
    def bytes_per_transition(self) -> int:
        return sum(rows[0, 0].nbytes for rows in self.rows.values())
