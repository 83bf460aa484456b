"""Which episodes a collection keeps, decided before they run."""

import numpy as np


class Claims:
    """Which episodes are kept: an episode is claimed when it starts, in (step, env) order, while
    fewer than `wanted` have been claimed; collection ends once every claimed episode has finished.
    The decision precedes the episode, so its length cannot sway it (taking the first `wanted` to
    finish would favour short episodes)."""

    def __init__(self, wanted: int, num_envs: int):
        self.wanted = wanted
        self.current = np.arange(num_envs) < wanted  # the current episode of each env is claimed
        self.claimed = int(self.current.sum())

    def restart(self, envs: np.ndarray) -> None:
        """The episodes of `envs` (ascending) ended; their next ones start now."""
        free = max(0, min(len(envs), self.wanted - self.claimed))
        self.current[envs] = False
        self.current[envs[:free]] = True
        self.claimed += free

    @property
    def complete(self) -> bool:
        return self.claimed == self.wanted and not self.current.any()
