"""Trajectory datasets in HDF5: the schema, crash-safe commits, and loaders.

Layout (T transitions, E episodes; transition t = the state before a control step, the action
sent, and what the step returned):
  /data/<key>  (T, ...) per-transition arrays, chunked along T and compressed
  /meta/<key>  (E,) episode index: episode_ends (exclusive cumulative ends, the diffusion-policy
               replay-buffer layout), episode_start, episode_length, episode_return, env_id
               (batch lane), segment (0, then +1 per resume), termination/<reason>, and
               final/state/{qpos,qvel}, final/obs/<group> (E, ...): where the episode's last step
               went (its next state, before the auto-reset), and for tasks with a morphology vector
               morphology (E, M): the episode's values of the params named by attrs morphology_names
  attrs        provenance (task, configs, model XML, timing, joint names, observation layout,
               policy hash, versions, seed, segments); structured values are JSON strings

Every write is a commit: copy the current file to a hidden temporary sibling, append complete
episodes, fsync, rename over the original. A crash at any moment leaves the old or the new file.
"""

import json
import os
import shutil
from dataclasses import dataclass

import h5py
import numpy as np
import torch

from legged_mjx.errors import UserError
from legged_mjx.files import atomic_path

FORMAT = "legged_mjx.trajectories"
FORMAT_VERSION = 4  # 2: physics state of any backend (float64), sensordata, ctrl, backend; 3: state/prev_action;
# 4: state/foot_timers/* (air and contact timers of each foot), and meta/morphology (E, M) with the
# attribute morphology_names (tasks with a morphology vector, e.g. BALLU)
READABLE_VERSIONS = (3, 4)  # a version 3 file is a version 4 file without those keys (timers replay from reset)
JSON_ATTRS = ("config", "train_config", "obs_layout", "segments", "action_std", "morphology_names")
COMPRESSION = {  # gzip: readable by any HDF5 tool; lzf: faster, h5py only
    "gzip": {"compression": "gzip", "compression_opts": 1, "shuffle": True},
    "lzf": {"compression": "lzf", "shuffle": True},
    "none": {},
}
CHUNK_BYTES = 1 << 18  # ~256 KiB per chunk


@dataclass
class Episode:
    """One complete episode: data {key: (L, ...)} and meta {key: scalar} (return, env_id, ...)."""

    data: dict
    meta: dict

    def __len__(self) -> int:
        return len(next(iter(self.data.values())))


def _new_dataset(h5: h5py.File, name: str, sample: np.ndarray, compression: dict) -> None:
    row_bytes = max(1, sample[0].nbytes)
    rows = int(np.clip(CHUNK_BYTES // row_bytes, 64, 1 << 16))
    shape = sample.shape[1:]
    h5.create_dataset(
        name, shape=(0, *shape), maxshape=(None, *shape), dtype=sample.dtype, chunks=(rows, *shape), **compression
    )


def _append(dataset: h5py.Dataset, values: np.ndarray) -> None:
    start = dataset.shape[0]
    dataset.resize(start + len(values), axis=0)
    dataset[start:] = values


def _write_episodes(h5: h5py.File, episodes: list, compression: dict) -> None:
    lengths = np.asarray([len(e) for e in episodes], np.int64)
    previous_end = int(h5["meta/episode_ends"][-1]) if "meta/episode_ends" in h5 and len(h5["meta/episode_ends"]) else 0
    ends = previous_end + np.cumsum(lengths)
    columns = {f"data/{k}": np.concatenate([e.data[k] for e in episodes]) for k in episodes[0].data}
    columns.update({f"meta/{k}": np.asarray([e.meta[k] for e in episodes]) for k in episodes[0].meta})
    columns.update({"meta/episode_ends": ends, "meta/episode_start": ends - lengths, "meta/episode_length": lengths})
    for name, values in columns.items():
        if name not in h5:
            _new_dataset(h5, name, values, compression)
        _append(h5[name], values)


def commit(path: str, episodes: list, attrs: dict, compression: str = "gzip") -> None:
    """Append complete `episodes` to the dataset at `path` (created if absent) and set `attrs`,
    atomically: the file at `path` is only ever replaced by a complete, closed, fsynced copy."""
    existed = os.path.exists(path)
    with atomic_path(path) as tmp:
        if existed:
            shutil.copyfile(path, tmp)
        with h5py.File(tmp, "r+" if existed else "w") as h5:
            if episodes:
                _write_episodes(h5, episodes, COMPRESSION[compression])
            h5.attrs.update({k: json.dumps(v) if k in JSON_ATTRS else v for k, v in attrs.items()})
            h5.attrs["num_episodes"] = len(h5["meta/episode_ends"]) if "meta/episode_ends" in h5 else 0
            h5.attrs["num_transitions"] = int(h5["meta/episode_ends"][-1]) if h5.attrs["num_episodes"] else 0


def _decode(name: str, value):
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, np.ndarray) and value.dtype.kind in "OS":
        return [v.decode() if isinstance(v, bytes) else v for v in value.tolist()]
    if name in JSON_ATTRS:
        return json.loads(value)
    return value.item() if isinstance(value, np.generic) else value


def read_attrs(path: str) -> dict:
    """The decoded attributes of a dataset; a file that is not one is a UserError."""
    if not os.path.isfile(path):
        raise UserError(f"dataset not found: {path}")
    try:
        with h5py.File(path, "r") as h5:
            attrs = {name: _decode(name, value) for name, value in h5.attrs.items()}
    except OSError as error:
        raise UserError(f"{path} is not a readable HDF5 file: {str(error).splitlines()[0]}") from None
    if attrs.get("format") != FORMAT:
        raise UserError(f"{path} is not a trajectory dataset of this project (format attribute missing)")
    if attrs.get("format_version") not in READABLE_VERSIONS:
        readable = ", ".join(map(str, READABLE_VERSIONS))
        raise UserError(f"{path} has dataset format {attrs.get('format_version')}, this code reads {readable}")
    return attrs


def _dataset_names(group: h5py.Group) -> list:
    names = []
    group.visititems(lambda name, item: names.append(name) if isinstance(item, h5py.Dataset) else None)
    return names


@dataclass
class Trajectories:
    """A loaded dataset (load_trajectories), numpy arrays: data {key: (T, ...)} per transition,
    keys as in the file without the `data/` prefix ("obs/policy", "action", "state/qpos", ...);
    meta {key: (E,)} per episode (episode_start, episode_ends, episode_length, episode_return,
    env_id, segment, termination/<reason>, final/...); attrs: the decoded provenance attributes.
    Units and dtypes: the schema table in docs/collecting.md."""

    data: dict
    meta: dict
    attrs: dict

    @property
    def num_episodes(self) -> int:
        return len(self.meta["episode_ends"])

    def episode(self, index: int) -> dict:
        """{key: (L, ...)} of episode `index` (0 <= index < num_episodes; L its length): views
        of `data` rows episode_start[index]:episode_ends[index]."""
        start, end = int(self.meta["episode_start"][index]), int(self.meta["episode_ends"][index])
        return {key: value[start:end] for key, value in self.data.items()}


def load_trajectories(path: str, keys=None) -> Trajectories:
    """Load a dataset written by collect_trajectories.py into numpy arrays (of /data only the arrays
    named in `keys`, e.g. ["obs/policy", "action"], if given; /meta and the attributes always).

    Raises UserError when the file is missing, not HDF5, not a dataset of this project or of
    another format_version (FORMAT_VERSION), or lacks a requested key."""
    attrs = read_attrs(path)
    with h5py.File(path, "r") as h5:
        names = _dataset_names(h5["data"])
        missing = sorted(set(keys or ()) - set(names))
        if missing:
            raise UserError(f"{path} has no data arrays {', '.join(missing)} (it has: {', '.join(names)})")
        data = {name: h5["data"][name][()] for name in (keys or names)}
        meta = {name: h5["meta"][name][()] for name in _dataset_names(h5["meta"])}
    return Trajectories(data, meta, attrs)


class TrajectoryWindows(torch.utils.data.Dataset):
    """Fixed-length windows of `horizon` consecutive transitions, each inside one episode.

    Item i is {key: tensor (horizon, ...)} for the window starting at transition `starts[i]`;
    windows start every `stride` steps of an episode, and episodes shorter than `horizon` give none.
    `source` is a Trajectories or a dataset path (loaded with `keys`); `keys` default to every data
    array. uint32 arrays (PRNG keys) come as int64. A torch.utils.data.Dataset: batch it with a
    DataLoader into {key: (B, horizon, ...)}. Raises UserError for horizon or stride < 1 and what
    load_trajectories raises.
    """

    def __init__(self, source, horizon: int, keys=None, stride: int = 1):
        if horizon < 1 or stride < 1:
            raise UserError(f"need horizon >= 1 and stride >= 1, got {horizon} and {stride}")
        trajectories = source if isinstance(source, Trajectories) else load_trajectories(source, keys)
        names = keys if keys is not None else list(trajectories.data)
        self.data = {k: torch.from_numpy(_torch_friendly(trajectories.data[k])) for k in names}
        self.horizon = horizon
        bounds = zip(trajectories.meta["episode_start"], trajectories.meta["episode_ends"])
        self.starts = np.concatenate(
            [np.arange(s, e - horizon + 1, stride) for s, e in bounds] or [np.zeros(0, np.int64)]
        )

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, index: int) -> dict:
        start = int(self.starts[index])
        return {key: value[start : start + self.horizon] for key, value in self.data.items()}


def _torch_friendly(array: np.ndarray) -> np.ndarray:
    """uint32 (PRNG keys) has no full torch support: widen it to int64."""
    return array.astype(np.int64) if array.dtype == np.uint32 else array
