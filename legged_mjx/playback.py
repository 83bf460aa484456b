"""Running a policy in a few environments to watch it (play.py, training clips): every control step
hands the base poses to a callback (video, viewer), and every episode is summarised: its command,
the velocity achieved, its return and how it ended; `report` turns the episodes into a table (one
row per environment) and a summary.

Achieved velocity: the mean over the episode's control steps of the base's body-frame linear
velocity (vx, vy, m/s) and yaw rate (wz, rad/s), read from the state before any auto-reset.
Tracking error: |achieved - commanded| per velocity slot of the command (lin_vel_x, lin_vel_y,
ang_vel_z; the command is held for an episode), averaged over episodes weighted by their steps.
A fall is an episode ended by a termination other than the time-out.
"""

from dataclasses import dataclass

import jax
import numpy as np
import torch

from legged_mjx import math as lmath
from legged_mjx.episode_log import termination_flags

_to_body = jax.jit(jax.vmap(lmath.quat_rotate_inverse))


@dataclass
class Episode:
    env: int
    command: np.ndarray  # the command at the episode's last step
    velocity: np.ndarray  # mean (vx, vy, wz) in the body frame
    ret: float  # sum of rewards
    steps: int
    ended: str  # a termination name, "time_out", or "running" (cut by the end of play)

    @property
    def fell(self) -> bool:
        return self.ended not in ("time_out", "running")


VELOCITY_SLOTS = {"lin_vel_x": ("vx", 0, "m/s"), "lin_vel_y": ("vy", 1, "m/s"), "ang_vel_z": ("wz", 2, "rad/s")}


def _mean(values, weights) -> float:
    return float(np.average(values, weights=weights)) if np.sum(weights) else float("nan")


def _tracking_errors(episodes: list, names: list) -> dict:
    """Step-weighted mean |achieved - commanded| per velocity slot of the command: {axis: (error, unit)}."""
    steps = [e.steps for e in episodes]
    errors = {}
    for slot, name in enumerate(names):
        if name in VELOCITY_SLOTS:
            axis, index, unit = VELOCITY_SLOTS[name]
            errors[axis] = (_mean([abs(e.velocity[index] - e.command[slot]) for e in episodes], steps), unit)
    return errors


def report(episodes: list, names: list, num_envs: int, max_rows: int = 16) -> list:
    """Lines for the console: a table with one row per environment (its command, episodes, falls,
    mean return, achieved velocity; at most `max_rows` rows) and a summary of all episodes."""
    lines = [f"env | command {' '.join(names)} | episodes | falls | mean return | achieved vx vy wz"]
    for env in range(min(num_envs, max_rows)):
        own = [e for e in episodes if e.env == env]
        if not own:
            continue
        steps = [e.steps for e in own]
        velocity = " ".join(f"{_mean([e.velocity[i] for e in own], steps):+.2f}" for i in range(3))
        lines.append(
            f"{env:3d} | {' '.join(f'{v:+.2f}' for v in own[-1].command)} | {len(own)} | "
            f"{sum(e.fell for e in own)} | {np.mean([e.ret for e in own]):.2f} | {velocity}"
        )
    if num_envs > max_rows:
        lines.append(f"... {num_envs - max_rows} more environments (in the summary)")
    ended = [e for e in episodes if e.ended != "running"]
    falls = [e for e in ended if e.fell]
    reasons = ", ".join(f"{r} {sum(e.ended == r for e in falls)}" for r in sorted({e.ended for e in falls}))
    returns = ended or episodes
    errors = _tracking_errors(episodes, names)
    tracking = ", ".join(f"{axis} {error:.2f} {unit}" for axis, (error, unit) in errors.items())
    lines.append(
        f"summary: {len(episodes)} episodes ({len(ended)} ended, {len(episodes) - len(ended)} still running at the "
        f"end); falls {len(falls)}{f' ({reasons})' if falls else ''}, time-outs {len(ended) - len(falls)}; "
        f"mean return {np.mean([e.ret for e in returns]):.2f} per {'ended' if ended else 'running'} episode; "
        f"tracking error {tracking or '-'}"
    )
    return lines


class _Running:
    """Per-environment sums of the episodes in progress."""

    def __init__(self, num_envs: int):
        self.velocity = np.zeros((num_envs, 3))
        self.ret = np.zeros(num_envs)
        self.steps = np.zeros(num_envs, dtype=int)

    def add(self, velocity: np.ndarray, reward: np.ndarray) -> None:
        self.velocity += velocity
        self.ret += reward
        self.steps += 1

    def close(self, env: int, command: np.ndarray, ended: str) -> Episode:
        steps = max(int(self.steps[env]), 1)
        episode = Episode(env, command, self.velocity[env] / steps, float(self.ret[env]), int(self.steps[env]), ended)
        self.velocity[env], self.ret[env], self.steps[env] = 0.0, 0.0, 0
        return episode


def _how_it_ended(ended_episode: dict, env: int) -> str:
    reasons = [reason for reason, flag in termination_flags(ended_episode).items() if flag[env] > 0]
    return "+".join(reasons) or "terminated"


@torch.inference_mode()
def rollout(env, act, steps: int, on_poses=None, on_episode=lambda episode: None) -> list:
    """Step `env` (a LeggedVecEnv) `steps` times with actions act(observations TensorDict); after
    each step call on_poses(step, qpos (E, nq) numpy), and on_episode(Episode) for each episode as
    it ends (at the end, for those still running). Returns all Episodes in that order."""
    episodes, running = [], _Running(env.num_envs)
    obs = env.get_observations()
    for step in range(steps):
        command = np.asarray(env.state.command)
        obs, rewards, dones, _ = env.step(act(obs).contiguous())
        final = env.state.pre_reset["physics"]  # before any auto-reset
        velocity = np.concatenate(
            [
                np.asarray(_to_body(final.qpos[:, 3:7], final.qvel[:, 0:3]))[:, :2],
                np.asarray(final.qvel[:, 5:6]),
            ],
            axis=1,
        )
        running.add(velocity, rewards.cpu().numpy())
        if dones.any():
            ended = {k: np.asarray(v) for k, v in env.state.ended_episode.items()}
            for i in np.flatnonzero(dones.cpu().numpy()):
                episodes.append(running.close(int(i), command[i], _how_it_ended(ended, i)))
                on_episode(episodes[-1])
        if on_poses is not None:
            on_poses(step, np.asarray(env.state.physics.qpos))
    command = np.asarray(env.state.command)
    for i in np.flatnonzero(running.steps):
        episodes.append(running.close(int(i), command[i], "running"))
        on_episode(episodes[-1])
    return episodes
