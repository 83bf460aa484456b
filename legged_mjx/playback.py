"""Running a policy in a few environments to watch it (play.py, training clips): every control step
hands the base poses to a callback (video, viewer), and every episode is summarised: its command,
the velocity achieved, its return and how it ended.

Achieved velocity: the mean over the episode's control steps of the base's body-frame linear
velocity (vx, vy, m/s) and yaw rate (wz, rad/s), read from the state before any auto-reset.
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

    def line(self, names: list, dt: float) -> str:
        command = " ".join(f"{n}={v:+.2f}" for n, v in zip(names, self.command))
        vx, vy, wz = self.velocity
        return (
            f"env {self.env}: command {command} | achieved vx={vx:+.2f} vy={vy:+.2f} wz={wz:+.2f} | "
            f"return {self.ret:.2f} over {self.steps * dt:.2f} s | {self.ended}"
        )


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
