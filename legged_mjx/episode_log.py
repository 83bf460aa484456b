"""The per-episode log entries a task writes when an episode ends (rsl_rl's extras["log"] names).

`Episode_Reward/<term>` (weighted reward sum), `Episode/length_s` and one
`Episode_Termination/<reason>` flag per termination condition (1.0 where that reason ended it).
Built here and read back here, so the key format lives in one place.
"""

import jax.numpy as jnp

TERMINATION = "Episode_Termination/"


def episode_log(reward_sums: dict, length_s, terminations: dict) -> dict:
    """The log entries of one episode: reward sums, length (s) and termination flags (name -> bool)."""
    log = {f"Episode_Reward/{name}": value for name, value in reward_sums.items()}
    log["Episode/length_s"] = jnp.asarray(length_s, jnp.float32)
    log.update({TERMINATION + name: jnp.asarray(flag, jnp.float32) for name, flag in terminations.items()})
    return log


def termination_flags(log: dict) -> dict:
    """reason -> flag (1.0 where that reason ended the episode), from an episode log."""
    return {key[len(TERMINATION) :]: value for key, value in log.items() if key.startswith(TERMINATION)}
