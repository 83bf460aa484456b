"""Reward terms by name and their weighted sum.

The task config holds `weights: {term: weight}`; every step each term is evaluated, scaled by
weight * control dt, summed into the reward, and accumulated per episode for logging.
"""

from dataclasses import dataclass, field

import jax.numpy as jnp

from legged_mjx.errors import UserError
from rewards import terms

REWARD_TERMS = {name: fn for name, fn in vars(terms).items() if callable(fn) and fn.__module__ == terms.__name__}


@dataclass
class RewardCfg:
    """Section `reward` of a TaskCfg: weights {term name in REWARD_TERMS (rewards/terms.py): weight};
    each step adds weight x control dt (s) x the term's unweighted value to the reward. An unknown
    term is a UserError when the task is built (check_weights). tracking_sigma is the width of the
    exp tracking kernels in (m/s)^2 or (rad/s)^2. only_positive_rewards clips each step's total at
    0 (legged_gym's), the terms logged unclipped."""

    weights: dict = field(default_factory=dict)  # term name -> weight (multiplied by the control dt)
    tracking_sigma: float = 0.25  # width of the exp tracking kernels (m^2/s^2 or rad^2/s^2)
    only_positive_rewards: bool = False  # clip each step's total at 0 (legged_gym: avoids early-termination problems)


def check_weights(cfg: RewardCfg) -> None:
    unknown = sorted(set(cfg.weights) - set(REWARD_TERMS))
    if unknown:
        raise UserError(f"unknown reward terms: {', '.join(unknown)} (known: {', '.join(sorted(REWARD_TERMS))})")


def compute_rewards(cfg: RewardCfg, snapshot, dt: float) -> tuple[jnp.ndarray, dict]:
    """(total, {term: weight * dt * value}) for one environment; with only_positive_rewards the
    total is max(total, 0) (the terms are logged unclipped)."""
    weighted = {name: weight * dt * REWARD_TERMS[name](snapshot, cfg) for name, weight in cfg.weights.items()}
    total = sum(weighted.values(), jnp.zeros((), jnp.float32))
    return (jnp.maximum(total, 0.0) if cfg.only_positive_rewards else total), weighted
