"""Train a PPO policy with rsl_rl's OnPolicyRunner on an MJX-batched task.

    python train_ppo.py --num_envs 4096 --device cuda:0             # Go2, go2_train hyperparameters
    python train_ppo.py --task ballu --num_envs 4096 --device cuda:0
    python train_ppo.py --device cpu --num_envs 64 --max_iterations 10   # small CPU run
    python train_ppo.py --resume --exp_name go2-ppo-dynaflow            # continue the newest run
    torchrun --nproc_per_node 2 train_ppo.py --distributed --num_envs 4096  # 4096 envs on each of 2 GPUs

Writes logs/<exp_name>/<date_time>/: model_<it>.pt, cfgs.pkl + cfgs.yaml, TensorBoard events and,
at the end, exported/policy.pt (TorchScript) and exported/policy.onnx. Ctrl-C saves a checkpoint.
--video films the policy every --video_interval iterations into <run>/videos/train_<it>.mp4 and
TensorBoard (legged_mjx/training_video.py); it needs OpenGL offscreen (MUJOCO_GL=egl or osmesa).
Any config field can be set with --set section.field=value (sections env, obs, reward, command,
domain_rand, terrain, train; e.g. --set env.action_scale=0.25 --set train.algorithm.learning_rate=5e-4
--set terrain.generator.num_rows=5). --terrain flat|rough picks the ground (go2-rough: rough).
"""

import logging
import os
import random
import shutil
import signal
import sys
import warnings

if __name__ == "__main__" and "--video" in sys.argv:  # only then: a machine without EGL still trains
    os.environ.setdefault("MUJOCO_GL", "egl")  # headless rendering; must precede mujoco's import

import legged_mjx  # noqa: F401  (before jax and torch)

import numpy as np
import onnx
import torch
import yaml

from env_wrapper import LeggedVecEnv, make_env
from legged_mjx import distributed
from legged_mjx.backends import add_backend_arguments
from legged_mjx.cli import ArgumentParser, at_least, existing_file
from legged_mjx.config import apply_overrides, load_sections, parse_value, save_run_configs, to_dict
from legged_mjx.devices import jax_device_for
from legged_mjx.errors import UserError, exit_on_user_error
from legged_mjx.model import load_model
from legged_mjx.rendering import check_rendering
from legged_mjx.tasks import randomization_overrides, task_config, train_config
from legged_mjx.terrain.cli import add_terrain_arguments, terrain_overrides
from legged_mjx.training import Runner, latest_checkpoint, new_run_dir, run_configs_of
from legged_mjx.training_video import INSTEAD as NO_VIDEO
from legged_mjx.training_video import PURPOSE as VIDEO
from legged_mjx.training_video import ClipRecorder


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__)
    parser.add_argument("--task", default="go2", help="go2 (default), go2-rough, ballu, ballu-imu")
    parser.add_argument("--num_envs", type=int, default=4096)
    parser.add_argument("--max_iterations", type=int, default=None, help="default: the task's (go2 10000)")
    parser.add_argument("--device", default=None, help="cuda:N or cpu (default cuda:0; no silent fall back)")
    add_backend_arguments(parser)
    parser.add_argument("--distributed", action="store_true", help="one GPU per torchrun process (cuda:LOCAL_RANK)")
    parser.add_argument("--exp_name", default=None, help="default: <task>-ppo-dynaflow")
    parser.add_argument("--xml-path", dest="xml_path", default=None, help="another MJCF scene of the robot")
    parser.add_argument("--seed", type=int, default=None, help="seeds JAX, torch and numpy (default: the task's)")
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint of exp_name")
    parser.add_argument("--checkpoint", default=None, help="continue from this model_<it>.pt (implies --resume)")
    parser.add_argument("--logger", default="tensorboard", choices=["tensorboard", "wandb", "neptune"])
    parser.add_argument("--log_root", default="logs")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument(
        "--randomize", default=None, metavar="PRESET", help="domain randomisation preset: isaac (go2); --set adjusts it"
    )
    add_terrain_arguments(parser)
    ballu = parser.add_argument_group("BALLU")
    ballu.add_argument("--GCR", type=float, default=None, help="gravity compensation ratio (default 0.84)")
    ballu.add_argument("--GCR_range", type=float, nargs=2, default=None, metavar=("LO", "HI"))
    ballu.add_argument("--spcf", type=float, default=None, help="knee spring coefficient (default 0.005)")
    ballu.add_argument("--drag", type=float, default=None, help="balloon drag coefficient c_d (default 0.0)")
    video = parser.add_argument_group("video")
    video.add_argument("--video", action="store_true", help="film the policy every --video_interval iterations")
    video.add_argument("--video_interval", type=int, default=100, help="iterations between clips")
    video.add_argument("--video_length", type=int, default=200, help="control steps per clip")
    args = parser.parse_args(argv)
    at_least(args, 1, "num_envs", "max_iterations", "video_interval", "video_length")
    existing_file(args.xml_path, "model file")
    existing_file(args.checkpoint, "checkpoint")
    return args


def split_sets(sets: list) -> tuple[dict, dict]:
    """--set KEY=VALUE pairs -> (env overrides, train overrides keyed by dotted path)."""
    env_overrides, train_overrides = {}, {}
    for item in sets:
        key, sep, value = item.partition("=")
        if not sep:
            raise UserError(f"--set needs KEY=VALUE, got '{item}'")
        if key.startswith("train."):
            train_overrides[key[len("train.") :]] = parse_value(value)
        else:
            env_overrides[key] = value
    return env_overrides, train_overrides


def set_nested(cfg: dict, dotted: str, value) -> None:
    *parents, leaf = dotted.split(".")
    node = cfg
    for name in parents:
        node = node.get(name) if isinstance(node, dict) else None
        if node is None:
            raise UserError(f"unknown train config key 'train.{dotted}'")
    if not isinstance(node, dict) or leaf not in node:
        raise UserError(f"unknown train config key 'train.{dotted}'")
    node[leaf] = value


def build_configs(args) -> tuple[str, object, dict, str | None]:
    """(task name, task config, train config, checkpoint to resume or None)."""
    env_overrides, train_overrides = split_sets(args.sets)
    flags = {
        "xml_path": args.xml_path,
        "GCR": args.GCR,
        "GCR_range": args.GCR_range,
        "spcf": args.spcf,
        "drag": args.drag,
    }
    env_overrides.update({k: v for k, v in flags.items() if v is not None})
    task, checkpoint = args.task, None
    if args.resume or args.checkpoint:
        checkpoint = args.checkpoint or latest_checkpoint(args.log_root, args.exp_name or f"{task}-ppo-dynaflow")
        saved = run_configs_of(checkpoint)
        task = saved["task"]
        cfg = load_sections(task_config(task), saved)
        train = saved["train"]
    else:
        cfg, train = task_config(task), train_config(task)
    if args.randomize is not None:
        apply_overrides(cfg, randomization_overrides(task, args.randomize))
    apply_overrides(cfg, terrain_overrides(args.terrain))
    apply_overrides(cfg, env_overrides)
    for key, value in train_overrides.items():
        set_nested(train, key, value)
    if args.max_iterations is not None:
        train["max_iterations"] = args.max_iterations
    if args.seed is not None:
        train["seed"] = args.seed
    train["logger"] = args.logger
    return task, cfg, train, checkpoint


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def export_policy(runner: Runner, log_dir: str) -> str:
    """TorchScript and self-contained ONNX policies (normaliser inside) into <run>/exported,
    written to a staging folder, then renamed into place."""
    final, staging = os.path.join(log_dir, "exported"), os.path.join(log_dir, ".exported-tmp")
    shutil.rmtree(staging, ignore_errors=True)
    runner.export_policy_to_jit(staging, "policy.pt")
    # torch.onnx's exporter warns about optional torchvision ops and its own deprecations: not ours to act on
    registration = logging.getLogger("torch.onnx._internal.exporter._registration")
    level = registration.level
    registration.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            runner.export_policy_to_onnx(staging, "policy.onnx")
    finally:
        registration.setLevel(level)
    onnx_path = os.path.join(staging, "policy.onnx")
    onnx.save_model(onnx.load(onnx_path), onnx_path, save_as_external_data=False)  # weights inline
    os.makedirs(final, exist_ok=True)
    for name in ("policy.pt", "policy.onnx"):
        os.replace(os.path.join(staging, name), os.path.join(final, name))
    shutil.rmtree(staging, ignore_errors=True)
    return final


@exit_on_user_error
def main(argv=None) -> None:
    args = parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C saves, even if started with SIGINT ignored
    launch = distributed.start(args.distributed, args.device)
    jax_device_for(launch.device)  # a bad or missing device: say so before anything is built
    task, cfg, train, checkpoint = build_configs(args)
    if args.video:
        check_rendering(load_model(cfg.env.xml_path), VIDEO, NO_VIDEO)  # before anything compiles
    seed = launch.seed(train["seed"])
    seed_everything(seed)
    physics = {"backend": args.backend, "threads": args.threads}
    env = make_env(task, num_envs=args.num_envs, device=launch.device, seed=seed, cfg=cfg, **physics)
    log_dir = new_run_dir(args.log_root, args.exp_name or f"{task}-ppo-dynaflow") if launch.is_main else None
    if launch.is_main:
        configs = {"task": task, "backend": env.backend, **to_dict(cfg), "train": train}
        save_run_configs(log_dir, configs)
        print(yaml.safe_dump(configs, sort_keys=False, default_flow_style=None, width=110))
    where = f"logging to {log_dir}" if log_dir else f"rank {launch.rank} of {launch.world_size} (rank 0 logs)"
    print(f"[train_ppo] task {task}, {args.num_envs} envs on {launch.device} ({env.backend}), {where}")

    runner = Runner(env, train, log_dir=log_dir, device=launch.device)
    runner.add_git_repo_to_log(__file__)
    clips = None
    if args.video and log_dir:
        clip_env = LeggedVecEnv(env.task, 2, launch.device, seed, backend=env.backend, threads=args.threads)
        clips = ClipRecorder(clip_env, os.path.join(log_dir, "videos"), args.video_interval, args.video_length)
        clips.attach(runner)
    if checkpoint:
        runner.load_checkpoint(checkpoint)
        print(f"[train_ppo] resumed from {checkpoint} at iteration {runner.current_learning_iteration}")
    try:
        runner.learn(train["max_iterations"], init_at_random_ep_len=train["init_at_random_ep_len"])
    except KeyboardInterrupt:
        if log_dir:
            path = os.path.join(log_dir, f"model_{runner.current_learning_iteration}.pt")
            runner.save(path)
            print(f"\n[train_ppo] interrupted: saved {path}")
        sys.exit(130)
    finally:
        if clips:
            clips.close()
        distributed.finish(launch)
    if log_dir:
        print(f"[train_ppo] exported policy to {export_policy(runner, log_dir)}")


if __name__ == "__main__":
    main()
