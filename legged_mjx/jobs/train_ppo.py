"""What train_ppo.py does once its arguments are valid (legged_mjx/cli/train_ppo.py): configs,
checks, environments, rsl_rl's runner, the run folder, training, export.

Order: build and check every config (env LIMITS, the PPO config's LIMITS), the device, rendering,
the memory the batch needs and the disk the run will write; build the environments and the runner;
only then create the run folder and save its configs, so a start that fails leaves no folder
behind (and one that fails before its first checkpoint removes the folder it made).
"""

import copy
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys

import numpy as np
import torch
import yaml

from legged_mjx import distributed, preflight
from legged_mjx.backends import resolve_backend
from legged_mjx.config import apply_overrides, load_sections, parse_value, to_dict
from legged_mjx.devices import jax_device_for
from legged_mjx.errors import UserError
from legged_mjx.export import export_deploy_files
from legged_mjx.export.policy_files import export_policy
from legged_mjx.ppo_config import check_train_config, set_train_key
from legged_mjx.rendering import check_rendering
from legged_mjx.run_folders import checkpoints, new_run_dir, newest_checkpoint, run_folder, save_run_configs
from legged_mjx.tasks import make_task, randomization_overrides, task_config, train_config
from legged_mjx.training import Runner, saved_iteration
from legged_mjx.training_video import INSTEAD as NO_VIDEO
from legged_mjx.training_video import PURPOSE as VIDEO
from legged_mjx.training_video import ClipRecorder
from legged_mjx.vecenv import LeggedVecEnv

# what may differ between a run's saved configs and a resume that continues in the run's own folder
RESUME_MAY_CHANGE = ("max_iterations", "logger")


def split_sets(sets: list) -> tuple[dict, dict]:
    """--set KEY=VALUE pairs -> (env overrides, train overrides keyed by dotted path)."""
    env_overrides, train_overrides = {}, {}
    for item in sets:
        key, _, value = item.partition("=")
        if key.startswith("train."):
            train_overrides[key[len("train.") :]] = parse_value(value)
        else:
            env_overrides[key] = value
    return env_overrides, train_overrides


def build_configs(args) -> tuple:
    """(task config, train config): the task's defaults or, on resume, the run's saved configs,
    with the flags and --set applied, every value checked."""
    env_overrides, train_overrides = split_sets(args.sets)
    flags = {"xml_path": args.xml_path, "GCR": args.GCR, "GCR_range": args.GCR_range, "spcf": args.spcf}
    env_overrides.update({k: v for k, v in {**flags, "drag": args.drag}.items() if v is not None})
    if args.saved is not None:
        cfg, train = load_sections(task_config(args.task), args.saved), args.saved["train"]
    else:
        cfg, train = task_config(args.task), train_config(args.task)
    if args.randomize is not None:
        apply_overrides(cfg, randomization_overrides(args.task, args.randomize))
    apply_overrides(cfg, args.terrain_overrides)
    apply_overrides(cfg, env_overrides)
    for key, value in train_overrides.items():
        set_train_key(train, key, value)
    if args.max_iterations is not None:
        train["max_iterations"] = args.max_iterations
    if args.seed is not None:
        train["seed"] = args.seed
    train["logger"] = args.logger
    check_train_config(train, args.num_envs)
    return cfg, train


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _identity(configs: dict) -> dict:
    train = {k: v for k, v in configs["train"].items() if k not in RESUME_MAY_CHANGE}
    return {**{k: v for k, v in configs.items() if k != "resumed_from"}, "train": train}


def plan_folder(args, configs: dict) -> tuple[str, bool]:
    """(run folder, continues in place): a resume from a run's newest checkpoint with the run's own
    configs (all but the target iteration count and the logger) continues in that run's folder;
    any other start gets a new folder (a resume's names the checkpoint it started from)."""
    experiment = args.exp_name or f"{args.task}-ppo-dynaflow"
    if args.resume_from is None:
        return new_run_dir(args.log_root, experiment), False
    folder = run_folder(args.resume_from)
    newest = os.path.samefile(args.resume_from, newest_checkpoint(folder)) if checkpoints(folder) else False
    if newest and _identity(configs) == _identity(args.saved):
        configs["resumed_from"] = args.saved.get("resumed_from")
        return folder, True
    configs["resumed_from"] = os.path.abspath(args.resume_from)
    return new_run_dir(args.log_root, experiment), False


def remove_if_unused(log_dir: str | None, created: bool) -> None:
    """Remove a run folder this start created if it holds no checkpoint (only configs, events)."""
    if created and not checkpoints(log_dir):
        shutil.rmtree(log_dir, ignore_errors=True)


def evaluator_every(eval_every: int | None, save_interval: int) -> int | None:
    """eval_watch.py's --every for train_ppo.py --eval_every N (one checkpoint in K; None without it)."""
    if eval_every is None:
        return None
    every, rest = divmod(eval_every, save_interval)
    if rest:
        raise UserError(f"--eval_every {eval_every}: not a multiple of train.save_interval ({save_interval})")
    return every


def start_evaluator(log_dir: str, every: int, eval_args: str) -> subprocess.Popen:
    """eval_watch.py as a separate process that follows this one; its output in <run>/eval/eval_watch.log."""
    command = [sys.executable, "-m", "legged_mjx.cli.eval_watch", log_dir, "--every", str(every)]
    command += ["--follow", str(os.getpid()), *shlex.split(eval_args)]
    os.makedirs(os.path.join(log_dir, "eval"), exist_ok=True)
    with open(os.path.join(log_dir, "eval", "eval_watch.log"), "ab") as log:
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)


def run(args) -> None:
    """Train as the validated `args` say (legged_mjx/cli/train_ppo.py)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C saves, even if started with SIGINT ignored
    launch = distributed.start(args.distributed, args.device)
    jax_device_for(launch.device)  # a bad or missing device: say so before anything is built
    cfg, train = build_configs(args)
    eval_every = evaluator_every(args.eval_every, train["save_interval"])
    backend = resolve_backend(args.backend, launch.device)
    done = saved_iteration(args.resume_from) + 1 if args.resume_from else 0  # iterations completed
    target = train["max_iterations"]
    if done >= target:
        print(
            f"[train_ppo] {args.resume_from} has completed {done} iterations, the run's total is {target}: "
            "nothing to do (--max_iterations is the total; give a larger one to train further)"
        )
        return
    configs = {"task": args.task, "backend": backend, "num_envs": args.num_envs, "device": launch.device}
    configs.update({**to_dict(cfg), "train": train})
    log_dir, in_place = plan_folder(args, configs)
    task = make_task(args.task, cfg)
    if args.video:
        check_rendering(task.mj_model, VIDEO, NO_VIDEO)  # before anything compiles
    sizes = preflight.env_sizes(task, backend, train)
    preflight.check_memory(sizes, args.num_envs, backend, launch.device)
    if launch.is_main:
        needed = preflight.run_disk_bytes(sizes, train, done, target)
        preflight.check_disk(log_dir, needed, "this run", "free space there or choose another --log_root")
    seed = launch.seed(train["seed"])
    seed_everything(seed)
    env = LeggedVecEnv(task, args.num_envs, launch.device, seed, backend, args.threads)
    log_dir = log_dir if launch.is_main else None
    runner = Runner(env, copy.deepcopy(train), log_dir=log_dir, device=launch.device)  # rsl_rl writes into it
    runner.add_git_repo_to_log(__file__)
    if args.resume_from:
        runner.load_checkpoint(args.resume_from)
    created = bool(log_dir) and not in_place
    if log_dir:
        os.makedirs(log_dir, exist_ok=True)
        save_run_configs(log_dir, configs)
        print(yaml.safe_dump(configs, sort_keys=False, default_flow_style=None, width=110))
    evaluator = None
    if eval_every and log_dir:
        evaluator = start_evaluator(log_dir, eval_every, args.eval_args)
        print(f"[train_ppo] evaluator started (pid {evaluator.pid}), log in {log_dir}/eval/eval_watch.log")
    if args.logger == "wandb" and log_dir:
        os.environ.setdefault("WANDB_RUN_GROUP", os.path.basename(log_dir))  # beside the evaluator's W&B run
    clips = None
    if args.video and log_dir:
        clip_env = LeggedVecEnv(task, 2, launch.device, seed, backend=backend, threads=args.threads)
        clips = ClipRecorder(clip_env, os.path.join(log_dir, "videos"), args.video_interval, args.video_length)
        clips.attach(runner)
    where = f"logging to {log_dir}" if log_dir else f"rank {launch.rank} of {launch.world_size} (rank 0 logs)"
    print(f"[train_ppo] task {args.task}, {args.num_envs} envs on {launch.device} ({backend}), {where}")
    if args.resume_from:
        folder = "in the same run folder" if in_place else f"in a new run folder (resumed_from: {args.resume_from})"
        print(
            f"[train_ppo] resumed from {args.resume_from} ({done} iterations done) {folder}: iterations {done} to "
            f"{target - 1}, {target - done} more to reach --max_iterations {target} (the run's total)"
        )
    try:
        runner.learn(target - done, init_at_random_ep_len=train["init_at_random_ep_len"])
    except KeyboardInterrupt:
        if log_dir and runner.iterations_done > done:
            path = os.path.join(log_dir, f"model_{runner.iterations_done - 1}.pt")
            runner.save(path)
            print(f"\n[train_ppo] interrupted: saved {path}")
        elif log_dir:
            print("\n[train_ppo] interrupted before an iteration completed: nothing new to save")
        remove_if_unused(log_dir, created)
        sys.exit(130)
    except BaseException:
        remove_if_unused(log_dir, created)
        raise
    finally:
        if clips:
            clips.close()
        distributed.finish(launch)
    if log_dir:
        print(f"[train_ppo] exported policy to {export_policy(runner, log_dir)}")
        for note in export_deploy_files(log_dir, env.task, os.path.basename(log_dir)):
            print(f"[train_ppo] {note}")
    if evaluator:
        print("[train_ppo] waiting for the evaluator to judge the last checkpoints")
        if evaluator.wait():
            print(f"[train_ppo] the evaluator failed (exit {evaluator.returncode}): see {log_dir}/eval/eval_watch.log")
