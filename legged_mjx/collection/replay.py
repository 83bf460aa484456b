"""Re-simulating recorded episodes from their first states and recorded actions."""

import jax
import numpy as np

from legged_mjx import dataset
from legged_mjx.batch import BatchedEnv
from legged_mjx.collection.recording import Recorder, state_fields, to_host, with_fields
from legged_mjx.config import load_sections
from legged_mjx.errors import UserError
from legged_mjx.tasks import make_task, task_config


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
