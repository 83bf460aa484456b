"""Collecting demonstration episodes from a policy in a batched environment, and replaying them.

Each control step: the actor acts on the policy observation of the state, the env steps (and
auto-resets finished environments), and the transition is gathered from the device arrays: the
state before the step (everything `task.step` reads, so the state can be restored), the action,
the applied joint targets and what the step returned. Its arrays are copied to the host
asynchronously and unpacked every FLUSH_STEPS steps into a host ring of recent steps.
Episodes are claimed when they start, until n are claimed, and kept when they finish (see
Claims: unbiased by episode length). Kept episodes are committed to the dataset periodically, at
the end, and on Ctrl-C or an error; episodes still running when collection stops are never written.
"""

import hashlib
import json
import os
import subprocess
import time
from datetime import datetime, timezone

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import torch
from tqdm import tqdm

import legged_mjx
from legged_mjx import dataset
from legged_mjx.batch import BatchedEnv
from legged_mjx.config import load_sections, to_dict
from legged_mjx.episode_log import termination_flags
from legged_mjx.errors import UserError
from legged_mjx.observations import OBS_TERMS
from legged_mjx.state import PHYSICS_FIELDS
from legged_mjx.tasks import make_task, task_config

FLUSH_STEPS = 16  # control steps between host unpacks (collection may overrun its end by this many)


# ----- the actor --------------------------------------------------------------------------------
def policy_std(checkpoint_path: str, train: dict | None = None) -> torch.Tensor:
    """The state-independent Gaussian action std of an rsl_rl checkpoint, clamped to the run's
    std_range as rsl_rl samples it (5.x: distribution.std_param or exp(log_std_param); 2.x-4.x: std)."""
    checkpoint = torch.load(checkpoint_path, map_location="cpu", weights_only=False)
    state = checkpoint.get("actor_state_dict") or checkpoint.get("model_state_dict") or {}
    layouts = {
        "distribution.std_param": None,
        "distribution.log_std_param": torch.exp,
        "std": None,
        "log_std": torch.exp,
    }
    for key, to_std in layouts.items():
        if key in state:
            low, high = ((train or {}).get("actor", {}).get("distribution_cfg") or {}).get("std_range", (1e-6, 1e6))
            std = state[key].float()
            return (to_std(std) if to_std else std).clamp(max(low, 1e-6), high)
    raise UserError(
        f"{checkpoint_path} has no state-independent action std (--stochastic needs a Gaussian rsl_rl actor)"
    )


class Actor:
    """obs -> (action sent to the env, policy mean) with a = mu(o + s_o e1) + sigma e2 + s_a e3,
    e ~ N(0, I): sigma the policy std (--stochastic, else 0), s_o and s_a the optional noise stds."""

    def __init__(
        self, policy, std=None, obs_noise: float = 0.0, action_noise: float = 0.0, seed: int = 0, device="cpu"
    ):
        self.policy, self.obs_noise, self.action_noise = policy, obs_noise, action_noise
        self.std = None if std is None else torch.as_tensor(std, dtype=torch.float32, device=device)
        self.generator = torch.Generator(device=device).manual_seed(seed)

    def _noise(self, like: torch.Tensor) -> torch.Tensor:
        return torch.randn(like.shape, generator=self.generator, device=like.device)

    def __call__(self, obs: torch.Tensor) -> tuple:
        if self.obs_noise:
            obs = obs + self.obs_noise * self._noise(obs)
        mean = self.policy(obs).float().contiguous()
        action = mean
        if self.std is not None:
            action = action + self.std * self._noise(mean)
        if self.action_noise:
            action = action + self.action_noise * self._noise(mean)
        return action.contiguous(), mean


# ----- what is recorded, and how a state is restored from it ------------------------------------
def state_fields(state) -> dict:
    """The recorded part of a (batched) State, by dataset key: the physics state, observations,
    command, latency buffer, per-episode params, PRNG key and observation history."""
    fields = {f"state/{name}": getattr(state.physics, name) for name in PHYSICS_FIELDS}
    fields.update({f"obs/{group}": value for group, value in state.obs.items()})
    fields.update({"command": state.command, "state/prev_action": state.prev_action, "state/key": state.key})
    fields.update({f"state/params/{name}": value for name, value in state.params.items()})
    fields.update({f"state/obs_history/{g}/{t}": v for g, terms in state.obs_history.items() for t, v in terms.items()})
    return {key: value for key, value in fields.items() if value.size}


def with_fields(state, fields: dict):
    """`state` with the leaves named by `fields` (keys as in state_fields) replaced."""
    return state.replace(
        physics=state.physics.replace(**{n: fields[f"state/{n}"] for n in PHYSICS_FIELDS if f"state/{n}" in fields}),
        obs={g: fields.get(f"obs/{g}", v) for g, v in state.obs.items()},
        command=fields.get("command", state.command),
        prev_action=fields.get("state/prev_action", state.prev_action),
        key=fields.get("state/key", state.key),
        params={k: fields.get(f"state/params/{k}", v) for k, v in state.params.items()},
        obs_history={
            g: {t: fields.get(f"state/obs_history/{g}/{t}", v) for t, v in terms.items()}
            for g, terms in state.obs_history.items()
        },
    )


class Recorder:
    """Gathers one step's transition from the device arrays of the states before and after it."""

    def __init__(self, task):
        # the task's own action handling (clip, NaN -> 0, latency): the targets the step applied
        self._targets = jax.jit(jax.vmap(lambda action, last: task.begin_step(action, last)[1]))

    def __call__(self, before, after, action: jax.Array, mean: jax.Array) -> tuple:
        """(transition {key: (N, ...)}, episode_step (N,) before the step, termination flags
        {reason: (N,)}, the state the step reached before any auto-reset {final/key: (N, ...)})."""
        fields = state_fields(before)
        fields.update(
            action=action,
            action_mean=mean,
            joint_targets=self._targets(action, before.prev_action),
            reward=after.reward,
            terminated=after.terminated,
            truncated=after.truncated,
        )
        fields.update({f"reward_terms/{name}": value for name, value in after.reward_terms.items()})
        reasons = termination_flags(after.ended_episode)
        physics = after.pre_reset["physics"]
        final = {"final/state/qpos": physics.qpos, "final/state/qvel": physics.qvel}
        final.update({f"final/obs/{group}": value for group, value in after.pre_reset["obs"].items()})
        frame = (fields, before.episode_step, reasons, final)
        for value in jax.tree.leaves(frame):
            if isinstance(value, jax.Array):  # the native backend's physics is already on the host
                value.copy_to_host_async()
        return frame


def to_host(frame: tuple) -> tuple:
    return jax.tree.map(np.asarray, frame)


# ----- host side: episode buffers and commits ---------------------------------------------------
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


class Committer:
    """Holds complete episodes and commits them to the dataset at `path` as segment
    len(segments) (earlier segments: from the file when resuming): when `every_s` seconds have
    passed (and at least 10x the last commit's duration, which bounds commits to ~10% of the
    time), and on flush()."""

    def __init__(self, path: str, attrs: dict, segments: list = (), every_s: float = 60.0, compression: str = "gzip"):
        self.path, self.attrs, self.segments = path, attrs, list(segments)
        self.segment = {"segment": len(self.segments), "started": now()}
        self.every_s, self.compression = every_s, compression
        self.pending, self.written, self.last_commit, self.last_duration = [], 0, time.monotonic(), 0.0

    def add(self, episode: dataset.Episode) -> None:
        self.pending.append(episode)

    def maybe_flush(self) -> None:
        if time.monotonic() - self.last_commit >= max(self.every_s, 10 * self.last_duration):
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        start = time.monotonic()
        segment = {**self.segment, "episodes": self.written + len(self.pending)}
        attrs = {**self.attrs, "segments": [*self.segments, segment], "updated": now()}
        dataset.commit(self.path, self.pending, attrs, self.compression)
        self.written += len(self.pending)
        self.pending = []
        self.last_commit = time.monotonic()
        self.last_duration = self.last_commit - start


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
            frames.append(recorder(before, env.state, jax.dlpack.from_dlpack(action), jax.dlpack.from_dlpack(mean)))
            if len(frames) < FLUSH_STEPS:
                continue
            for episode in finished_episodes(frames, buffers, claims, committer.segment["segment"]):
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


def finished_episodes(frames: list, buffers: EpisodeBuffers, claims: Claims, segment: int):
    """Unpack host or device frames into the buffers; yield the claimed episodes that finished."""
    for fields, episode_step, reasons, final in map(to_host, frames):
        buffers.add(fields)
        done = np.flatnonzero(fields["terminated"] | fields["truncated"])
        for i in done[claims.current[done]]:
            data = buffers.take(i, int(episode_step[i]) + 1)
            meta = {f"termination/{reason}": bool(flag[i] > 0) for reason, flag in reasons.items()}
            meta.update({key: value[i] for key, value in final.items()})
            meta.update(episode_return=np.float32(data["reward"].sum()), env_id=np.int32(i), segment=np.int32(segment))
            yield dataset.Episode(data, meta)
        claims.restart(done)


# ----- provenance --------------------------------------------------------------------------------
def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def git_commit() -> str:
    """HEAD of the project's git checkout (+ "-dirty" with uncommitted changes), or "unknown"."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def git(*args):
        return subprocess.run(["git", "-C", root, *args], capture_output=True, text=True, timeout=10)

    try:
        head, status = git("rev-parse", "HEAD"), git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    if head.returncode != 0:
        return "unknown"
    return head.stdout.strip() + ("-dirty" if status.stdout.strip() else "")


def obs_layout(task) -> dict:
    """group -> [{name, start, size, scale, clip, history_length}] in observation order."""
    groups = task.cfg.obs.groups
    names = {term.name for terms in groups.values() for term in terms}

    def values(params):
        no_action = jnp.zeros(task.num_actions)
        command = jnp.zeros(len(task.cfg.command.names))
        snap = task.snapshot(jax.tree.map(jnp.asarray, task.reset_physics), command, no_action, no_action, params)
        return {name: jnp.atleast_1d(OBS_TERMS[name](snap)) for name in names}

    sizes = {name: v.size for name, v in jax.eval_shape(values, task.sample_params(jax.random.PRNGKey(0))).items()}
    layout = {}
    for group, terms in groups.items():
        start, layout[group] = 0, []
        for term in terms:
            size = sizes[term.name] * term.history_length
            layout[group].append({**to_dict(term), "start": start, "size": size})
            start += size
    return layout


def check_policy_fits(policy, task_name: str, task) -> None:
    """The policy must map the task's policy observation to its actions."""
    obs_dim = sum(term["size"] for term in obs_layout(task)["policy"])
    if (policy.obs_dim, policy.action_dim) != (obs_dim, task.num_actions):
        raise UserError(
            f"policy {policy.path} maps {policy.obs_dim} observations to {policy.action_dim} actions; "
            f"task {task_name} has {obs_dim} and {task.num_actions}"
        )


def dataset_attrs(
    task_name: str, task, train: dict, policy, actor: Actor, seed: int, compression: str, backend: str
) -> dict:
    """The attributes of a dataset; IDENTITY_ATTRS among them must match for --resume."""
    env = task.cfg.env
    xml = mujoco.MjSpec.from_file(env.xml_path).to_xml()
    xml_sha = hashlib.sha256(xml.encode()).hexdigest()
    config = to_dict(task.cfg)
    portable = {**config, "env": {**config["env"], "xml_path": xml_sha}}  # the same model anywhere on disk
    return {
        "format": dataset.FORMAT,
        "format_version": dataset.FORMAT_VERSION,
        "task": task_name,
        "backend": backend,
        "config": config,
        "config_sha256": hashlib.sha256(
            json.dumps({"task": task_name, **portable}, sort_keys=True).encode()
        ).hexdigest(),
        "train_config": train or {},
        "model_xml": xml,
        "model_xml_sha256": xml_sha,
        "model_xml_path": os.path.abspath(env.xml_path),
        "sim_dt": env.sim_dt,
        "control_dt": task.dt,
        "decimation": env.decimation,
        "max_episode_length": task.max_episode_length,
        "action_latency": env.action_latency,
        "action_clip": env.action_clip,
        "joint_names": list(env.joint_names),
        "command_names": list(task.cfg.command.names),
        "obs_layout": obs_layout(task),
        "policy_path": os.path.abspath(policy.path),
        "policy_sha256": policy.sha256,
        "policy_kind": policy.kind,
        "sampling": "deterministic" if actor.std is None else "stochastic",
        "action_std": [] if actor.std is None else actor.std.tolist(),
        "obs_noise_std": float(actor.obs_noise),
        "action_noise_std": float(actor.action_noise),
        "seed": seed,
        "compression": compression,
        "legged_mjx_version": legged_mjx.__version__,
        "git_commit": git_commit(),
        "versions": f"jax {jax.__version__}, mujoco {mujoco.__version__}, torch {torch.__version__}",
        "created": now(),
    }


IDENTITY_ATTRS = (
    "format_version",
    "task",
    "backend",
    "config_sha256",
    "policy_sha256",
    "sampling",
    "action_std",
    "obs_noise_std",
    "action_noise_std",
    "seed",
)


def check_resumable(path: str, attrs: dict) -> dict:
    """The attributes of the dataset at `path` if it was collected like `attrs` describes."""
    old = dataset.read_attrs(path)
    different = [name for name in IDENTITY_ATTRS if old.get(name) != attrs[name]]
    if different:
        raise UserError(
            f"cannot resume {path}: it was collected with a different {', '.join(different)} (choose another --out)"
        )
    return old


def segment_seed(seed: int, segment: int) -> int:
    """The environment/noise seed of collection segment `segment` (0 first, +1 per --resume)."""
    return int(np.random.SeedSequence([seed, segment]).generate_state(1)[0] >> 1)


# ----- replay ------------------------------------------------------------------------------------
def task_of(attrs: dict):
    """The task a dataset was collected on, rebuilt from its attributes."""
    return make_task(attrs["task"], load_sections(task_config(attrs["task"]), attrs["config"]))


def replay(trajectories: dataset.Trajectories, episodes, task=None, batch_size: int | None = None, device=None) -> list:
    """Re-simulate `episodes` from their recorded first states with their recorded actions, on the
    backend that collected them.

    By default each episode runs in its recorded lane (env_id) of a batch of its segment's size:
    the compiled program, and so the result, is the collection's own. With `batch_size`, episodes
    fill lanes 0, 1, ... of batches of that size instead (XLA may then round differently).
    Returns, per episode, {key: (L, ...)} with the recorded data's keys (row 0's state is the
    restored one; action_mean is copied, the policy is not re-run).
    """
    if not {"action", "action_mean", "state/qpos"} <= set(trajectories.data):
        raise UserError("replay needs every recorded array: load the dataset without `keys`")
    episodes, task = list(episodes), task or task_of(trajectories.attrs)
    recorder, meta, batches, results = Recorder(task), trajectories.meta, {}, {}
    sizes = [segment["num_envs"] for segment in trajectories.attrs["segments"]]
    placed = [
        (e, sizes[meta["segment"][e]], int(meta["env_id"][e]))
        if batch_size is None
        else (e, batch_size, i % batch_size)
        for i, e in enumerate(episodes)
    ]
    while placed:
        size, lanes, group = placed[0][1], set(), []
        for item in placed:  # one batch: at most one episode per lane
            if item[1] == size and item[2] not in lanes:
                lanes.add(item[2])
                group.append(item)
        placed = [item for item in placed if item not in group]
        if size not in batches:
            batches[size] = BatchedEnv(task, size, device=device, backend=trajectories.attrs.get("backend", "mjx"))
        batch = batches[size]
        results.update(_replay_batch(batch, recorder, trajectories, [(e, lane) for e, _, lane in group]))
    return [results[e] for e in episodes]


def _replay_batch(batch: BatchedEnv, recorder: Recorder, trajectories: dataset.Trajectories, placed: list) -> dict:
    state, stats = batch.reset()
    lanes = np.asarray([lane for _, lane in placed])
    episodes = [trajectories.episode(e) for e, _ in placed]
    fields = jax.tree.map(np.array, state_fields(state))
    for key in fields:
        fields[key][lanes] = np.stack([episode[key][0] for episode in episodes])
    env_id = np.array(state.env_id)
    env_id[lanes] = trajectories.meta["env_id"][[e for e, _ in placed]]
    state = batch.commit(with_fields(state, fields).replace(env_id=env_id))
    lengths = [len(episode["action"]) for episode in episodes]
    frames = []
    for t in range(max(lengths)):
        actions = np.zeros((batch.num_envs, batch.task.num_actions), np.float32)
        actions[lanes] = [episode["action"][min(t, n - 1)] for episode, n in zip(episodes, lengths)]
        actions = jax.device_put(actions, batch.device)
        before = state
        state, stats = batch.step(state, stats, actions)
        fields, _, _, final = to_host(recorder(before, state, actions, actions))
        frames.append({**fields, **final})
    results = {}
    for (e, lane), episode, n in zip(placed, episodes, lengths):
        results[e] = {key: np.stack([frame[key][lane] for frame in frames[:n]]) for key in frames[0]}
        results[e]["action_mean"] = episode["action_mean"]
    return results
