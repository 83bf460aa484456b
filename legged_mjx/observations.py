"""Observation terms and layouts.

A layout is data: an ordered list of `ObsTerm(name, scale, clip, history_length)` per group.
Each term name refers to a function of the Snapshot in `OBS_TERMS`. A term's value is computed,
optionally noised (domain_rand.obs_noise), clipped to +-clip, then scaled (Isaac Lab's order),
and, with history_length H > 1, stacked with its previous H - 1 values, oldest first (Isaac Lab's
per-term history; a fresh episode fills the history with its first value).
"""

from dataclasses import dataclass, field
from typing import Callable

import jax
import jax.numpy as jnp

from legged_mjx.errors import UserError
from legged_mjx.state import Snapshot

OBS_TERMS: dict[str, Callable[[Snapshot], jnp.ndarray]] = {
    "base_lin_vel": lambda s: s.lin_vel_body,
    "base_ang_vel": lambda s: s.ang_vel_body,
    "projected_gravity": lambda s: s.gravity_body,
    "commands": lambda s: s.command,
    "velocity_commands": lambda s: s.command[:3],
    "joint_pos": lambda s: s.joint_pos,
    "joint_pos_rel": lambda s: s.joint_pos - s.default_joint_pos,
    "joint_vel": lambda s: s.joint_vel,
    "joint_vel_rel": lambda s: s.joint_vel,
    "last_action": lambda s: s.action,
    "base_height": lambda s: s.base_pos_world[2:] - s.ground_height,  # above the ground under the height scan
    "height_scan": lambda s: s.height_scan,
    "base_pos": lambda s: s.base_pos_world,
    "base_quat": lambda s: s.base_quat_world,
    "foot_contact": lambda s: s.foot_contact.astype(jnp.float32),
}


def register_obs_term(name: str):
    """Decorator adding a robot-specific term (a function of the Snapshot) to OBS_TERMS."""

    def register(fn):
        OBS_TERMS[name] = fn
        return fn

    return register


@dataclass
class ObsTerm:
    """One term of an observation group: value = scale x clip(OBS_TERMS[name](snapshot), +-clip),
    in the term's own units (m/s, rad/s, rad, unit gravity vector, command units), width d = the
    function's output size; with history_length H > 1 it takes H x d values, oldest first. scale is
    a number or one per value; clip None means none. An unknown name is a UserError when the task
    is built (check_layout)."""

    name: str
    scale: float | list = 1.0
    clip: float | None = None
    history_length: int = 1


@dataclass
class ObsCfg:
    """Observation groups: group name -> ordered list of ObsTerm (dicts with ObsTerm's fields are
    accepted from configs and cfgs.pkl). rsl_rl reads groups `policy` and `critic`; a group's
    vector is its terms' values concatenated in order ((D,) per environment, (N, D) batched).
    domain_rand.obs_noise adds noise to the groups in domain_rand.noisy_groups."""

    groups: dict = field(default_factory=dict)


def check_layout(cfg: ObsCfg) -> None:
    unknown = sorted({t.name for terms in cfg.groups.values() for t in terms} - set(OBS_TERMS))
    if unknown:
        raise UserError(f"unknown observation terms: {', '.join(unknown)} (known: {', '.join(sorted(OBS_TERMS))})")


def _term_value(term: ObsTerm, snapshot: Snapshot, noise: float = 0.0, key=None) -> jnp.ndarray:
    value = jnp.atleast_1d(OBS_TERMS[term.name](snapshot)).astype(jnp.float32)
    if noise:
        value = value + jax.random.uniform(key, value.shape, minval=-noise, maxval=noise)
    if term.clip is not None:
        value = jnp.clip(value, -term.clip, term.clip)
    return value * jnp.asarray(term.scale, dtype=jnp.float32)


def observe(cfg: ObsCfg, snapshot: Snapshot, history: dict | None = None, noise: dict | None = None, key=None):
    """(observation vector per group, updated histories).

    history None starts an episode: every history slot holds the current value. noise
    {group: {term: n}} adds uniform(-n, n) to those terms' raw values (needs `key`).
    """
    obs, new_history = {}, {}
    for g, (group, terms) in enumerate(cfg.groups.items()):
        parts, group_history = [], {}
        for t, term in enumerate(terms):
            half_width = (noise or {}).get(group, {}).get(term.name, 0.0)
            term_key = jax.random.fold_in(jax.random.fold_in(key, g), t) if half_width else None
            value = _term_value(term, snapshot, half_width, term_key)
            if term.history_length > 1:
                if history is None:
                    stacked = jnp.tile(value, (term.history_length, 1))
                else:
                    stacked = jnp.concatenate([history[group][term.name][1:], value[None]], axis=0)
                group_history[term.name] = stacked
                value = stacked.reshape(-1)
            parts.append(value)
        obs[group] = jnp.concatenate(parts)
        new_history[group] = group_history
    return obs, new_history
