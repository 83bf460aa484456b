"""The collection loop: act, step, record, and hand finished claimed episodes to the committer."""

import time

import numpy as np
import torch
from tqdm import tqdm

from legged_mjx import dataset
from legged_mjx.collection.actor import Actor
from legged_mjx.collection.claims import Claims
from legged_mjx.collection.commits import Committer
from legged_mjx.collection.episode_buffers import EpisodeBuffers
from legged_mjx.collection.recording import Recorder, to_host
from legged_mjx.devices import to_jax

FLUSH_STEPS = 16  # control steps between host unpacks (collection may overrun its end by this many)


def collect(env, actor: Actor, num_episodes: int, committer: Committer, progress: bool = True) -> int:
    """Run `env` (a LeggedVecEnv, reset here) with `actor` until `num_episodes` claimed episodes have
    finished, committing them through `committer`. Returns the episodes written."""
    committer.segment.update(num_envs=env.num_envs, env_seed=env.batch.seed, device=str(env.device))
    claims = Claims(num_episodes, env.num_envs)
    recorder, buffers = Recorder(env.task), EpisodeBuffers(env.num_envs, env.max_episode_length)
    env.reset()
    frames, steps, timer = [], 0, None
    bar = tqdm(total=num_episodes, unit="episode", disable=not progress, mininterval=1.0)
    try:
        while not claims.complete:
            before = env.state
            action, mean = actor(torch.from_dlpack(before.obs["policy"]))
            env.step(action)
            frames.append(recorder(before, env.state, to_jax(action), to_jax(mean)))
            if len(frames) < FLUSH_STEPS:
                continue
            segment = committer.segment["segment"]
            for episode in finished_episodes(frames, buffers, claims, segment, env.task.morphology_names):
                committer.add(episode)
                bar.update(1)
            frames = []
            if timer is None:  # the first flush follows the compilation: time from here
                timer = time.monotonic()
                size = buffers.bytes_per_transition
                gib = env.num_envs * env.max_episode_length * size / 2**30
                if progress:
                    bar.write(f"[collect] host episode buffers: up to {gib:.2f} GiB ({size} bytes/transition)")
            else:
                steps += FLUSH_STEPS
                bar.set_postfix_str(
                    f"{steps * env.num_envs / (time.monotonic() - timer):,.0f} transitions/s", refresh=False
                )
            committer.maybe_flush()
    finally:
        bar.close()
        committer.flush()  # normal end, Ctrl-C or error: every kept episode is complete
    return committer.written


def finished_episodes(frames: list, buffers: EpisodeBuffers, claims: Claims, segment: int, morphology_names=()):
    """Unpack host or device frames into the buffers; yield the claimed episodes that finished, with
    the episode's morphology vector (its params named by morphology_names, constant in an episode)."""
    for fields, episode_step, reasons, final in map(to_host, frames):
        buffers.add(fields)
        done = np.flatnonzero(fields["terminated"] | fields["truncated"])
        for i in done[claims.current[done]]:
            data = buffers.take(i, int(episode_step[i]) + 1)
            meta = {f"termination/{reason}": bool(flag[i] > 0) for reason, flag in reasons.items()}
            meta.update({key: value[i] for key, value in final.items()})
            meta.update(episode_return=np.float32(data["reward"].sum()), env_id=np.int32(i), segment=np.int32(segment))
            if morphology_names:
                meta["morphology"] = np.asarray([data[f"state/params/{n}"][0] for n in morphology_names], np.float32)
            yield dataset.Episode(data, meta)
        claims.restart(done)
