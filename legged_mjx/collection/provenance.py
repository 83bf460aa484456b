"""How a dataset was made (its attributes), and whether a new collection segment may join it."""

import hashlib
import json
import os
import subprocess
from datetime import datetime, timezone

import jax
import mujoco
import numpy as np
import torch

import legged_mjx
from legged_mjx import dataset
from legged_mjx.collection.actor import Actor
from legged_mjx.config import to_dict
from legged_mjx.errors import UserError
from legged_mjx.obs_layout import obs_layout

# the attributes that must match for --resume
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


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def git_commit() -> str:
    """HEAD of the project's git checkout (+ "-dirty" with uncommitted changes), or "unknown"."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(legged_mjx.__file__)))

    def git(*args):
        return subprocess.run(["git", "-C", root, *args], capture_output=True, text=True, timeout=10)

    try:
        head, status = git("rev-parse", "HEAD"), git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    if head.returncode != 0:
        return "unknown"
    return head.stdout.strip() + ("-dirty" if status.stdout.strip() else "")


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
        "morphology_names": list(task.morphology_names),
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
