"""Domain randomisation for training (section `domain_rand`; all off by default, as go2_train).

Sampled per environment on the device at every reset (like BALLU's GCR range), into State.params:

- friction (x every geom's sliding friction), added_base_mass (kg on the base body) and gain
  (x kp and kd: motor strength), uniform in their ranges; friction and added_base_mass take one of
  `model_buckets` evenly spaced values (Isaac Lab's material buckets), which bounds the native
  backend's per-environment model copies to model_buckets^2;
- push_interval (control steps): a push every that many steps of the episode adds a world-frame
  base-velocity change uniform in +-push_velocity (m/s) to vx and vy (Isaac Lab's
  push_by_setting_velocity), before the step's physics;

and applied to the reset state: base velocity uniform in +-reset_base_velocity (vx vy vz m/s,
wx wy wz rad/s), joint positions = default x uniform(reset_joint_pos_scale) clipped to the joint
ranges (Isaac Lab's reset_joints_by_scale). Observation noise: obs_noise {term: n} adds uniform
(-n, n) to the term's raw value (before clip and scale, Isaac Lab's order) in `noisy_groups`.
"""

from dataclasses import dataclass, field

import jax
import jax.numpy as jnp

from legged_mjx.errors import UserError


@dataclass
class DomainRandCfg:
    """Section `domain_rand` of a TaskCfg: everything None, 0 or empty is off (the default). Units
    and sampling in the module docstring and the field comments; ranges are checked by
    legged_mjx.config.LIMITS when set through overrides (UserError). Presets:
    legged_mjx.tasks.RANDOMIZATION_PRESETS (Go2's `isaac`, docs/domain_randomisation.md)."""

    friction_range: list | None = None  # [lo, hi] x sliding friction of every geom
    added_base_mass_range: list | None = None  # [lo, hi] kg added to the base body
    gain_range: list | None = None  # [lo, hi] x kp and kd
    model_buckets: int = 16  # distinct values per model parameter range
    reset_base_velocity: list | None = None  # 6 half-widths: vx vy vz (m/s), wx wy wz (rad/s)
    reset_joint_pos_scale: list | None = None  # [lo, hi] x default joint position
    push_interval_s: list | None = None  # [lo, hi] s between pushes, per environment
    push_velocity: float = 0.0  # m/s half-width of the push's vx and vy change
    obs_noise: dict = field(default_factory=dict)  # observation term -> uniform half-width (raw units)
    noisy_groups: list = field(default_factory=lambda: ["policy"])  # groups that get obs_noise


def _uniform(key, bounds, buckets: int | None = None):
    lo, hi = bounds
    if buckets is None:
        return jax.random.uniform(key, (), minval=lo, maxval=hi)
    step = jax.random.randint(key, (), 0, buckets)
    return lo + (hi - lo) * step.astype(jnp.float32) / (buckets - 1)


def sample_params(cfg: DomainRandCfg, key, dt: float) -> dict:
    """The randomised per-environment parameters of one episode (only those switched on)."""
    keys = jax.random.split(key, 4)
    params = {}
    if cfg.friction_range is not None:
        params["friction"] = _uniform(keys[0], cfg.friction_range, cfg.model_buckets)
    if cfg.added_base_mass_range is not None:
        params["added_base_mass"] = _uniform(keys[1], cfg.added_base_mass_range, cfg.model_buckets)
    if cfg.gain_range is not None:
        params["gain"] = _uniform(keys[2], cfg.gain_range)
    if pushes(cfg):
        seconds = _uniform(keys[3], cfg.push_interval_s)
        params["push_interval"] = jnp.maximum(1, jnp.round(seconds / dt)).astype(jnp.int32)
    return params


def pushes(cfg: DomainRandCfg) -> bool:
    return cfg.push_interval_s is not None and cfg.push_velocity > 0


def push_velocity(cfg: DomainRandCfg, key, episode_step, params: dict, nv: int):
    """(nv,) qvel change of one environment before this control step: a push where the episode
    has run a multiple of its push interval, else zeros."""
    due = (episode_step > 0) & (episode_step % params["push_interval"] == 0)
    vxy = jax.random.uniform(key, (2,), minval=-cfg.push_velocity, maxval=cfg.push_velocity)
    return jnp.zeros(nv, jnp.float32).at[0:2].set(jnp.where(due, vxy, 0.0))


def reset_state(cfg: DomainRandCfg, key, qpos, qvel, joint_qpos_adr, default_joint_pos, joint_range):
    """(qpos, qvel) of a reset with randomised base velocity and joint positions (joint_range:
    (low, high) arrays, rad)."""
    key_vel, key_joint = jax.random.split(key)
    if cfg.reset_base_velocity is not None:
        half = jnp.asarray(cfg.reset_base_velocity, jnp.float32)
        qvel = qvel.at[0:6].add(jax.random.uniform(key_vel, (6,), minval=-half, maxval=half))
    if cfg.reset_joint_pos_scale is not None:
        scale = jax.random.uniform(
            key_joint, default_joint_pos.shape, minval=cfg.reset_joint_pos_scale[0], maxval=cfg.reset_joint_pos_scale[1]
        )
        joints = jnp.clip(default_joint_pos * scale, *joint_range)
        qpos = qpos.at[joint_qpos_adr].set(joints)
    return qpos, qvel


def observation_noise(cfg: DomainRandCfg, groups: dict) -> dict:
    """{group: {term: half-width}} for the noisy groups; a term that is in none of them is an error."""
    if not isinstance(cfg.obs_noise, dict) or any(
        not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0 for v in cfg.obs_noise.values()
    ):
        raise UserError(f"domain_rand.obs_noise needs {{term: half-width >= 0}}, got {cfg.obs_noise!r}")
    unknown = [g for g in cfg.noisy_groups if g not in groups]
    if unknown:
        raise UserError(f"domain_rand.noisy_groups: no observation group {', '.join(unknown)}")
    noise = {
        g: {t.name: float(cfg.obs_noise[t.name]) for t in groups[g] if t.name in cfg.obs_noise}
        for g in cfg.noisy_groups
    }
    unused = set(cfg.obs_noise) - {t for terms in noise.values() for t in terms}
    if unused:
        raise UserError(f"domain_rand.obs_noise: {', '.join(sorted(unused))} not in groups {cfg.noisy_groups}")
    return {g: terms for g, terms in noise.items() if terms}
