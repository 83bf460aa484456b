"""What play.py does once its arguments are valid (legged_mjx/cli/play.py): the run's task and
policy, a few environments holding their commands, a video or the viewer, then the table and the
summary of the episodes (legged_mjx/playback.py)."""

import os
import re
import time

import mujoco
import numpy as np
import torch

from legged_mjx import preflight
from legged_mjx.backends import resolve_backend
from legged_mjx.devices import jax_device_for
from legged_mjx.errors import UserError
from legged_mjx.playback import report, rollout
from legged_mjx.rendering import PoseRenderer, check_rendering, mp4_writer
from legged_mjx.config import apply_overrides
from legged_mjx.run_config import command_rows, fix_commands, run_config, run_policy
from legged_mjx.run_folders import run_folder
from legged_mjx.tasks import make_task
from legged_mjx.vecenv import LeggedVecEnv

FPS = 25.0  # video frames per second (every round(1 / (FPS dt))-th control step)
VIDEO = ("play.py's video", "use --viewer where there is a display")  # what needs OpenGL, what else to do


def held_commands(cfg, rows: list | None, num_envs: int, seed: int) -> list:
    """Command rows held by the environments: --command's rows made whole (run_config.command_rows),
    or one row per environment drawn uniformly from the training ranges."""
    if rows is not None:
        return command_rows(cfg, rows)
    names, ranges = cfg.command.names, cfg.command.ranges
    low, high = np.array([ranges[n] for n in names], dtype=float).T
    return np.random.default_rng(seed).uniform(low, high, size=(num_envs, len(names))).tolist()


def default_video_path(checkpoint: str) -> str:
    """<run>/videos/play_<it>.mp4 (play_<name>.mp4 for a policy file that is no model_<it>.pt)."""
    name = os.path.splitext(os.path.basename(checkpoint))[0]
    match = re.fullmatch(r"model_(\d+)", name)
    return os.path.join(run_folder(checkpoint), "videos", f"play_{match.group(1) if match else name}.mp4")


def open_viewer(model, data):
    """mujoco.viewer's passive viewer, or a UserError when it cannot open a window."""
    import mujoco.viewer

    try:
        return mujoco.viewer.launch_passive(model, data)
    except Exception as error:  # noqa: BLE001 - GLFW failures surface as many exception types
        raise UserError(f"--viewer could not open a window: {' '.join(str(error).split())[:160]}") from None


def progress(steps: int, dt: float):
    """on_step(step) printing the simulated time at each quarter of the rollout."""
    marks = {round(steps * q / 4) - 1 for q in (1, 2, 3)}
    return lambda step: step in marks and print(f"[play] {(step + 1) * dt:.1f} of {steps * dt:.1f} s", flush=True)


def watch(env, act, steps: int, dt: float) -> list:
    """The rollout shown live in the viewer (environment 0, paced to real time); its Episodes."""
    data = mujoco.MjData(env.mj_model)
    with open_viewer(env.mj_model, data) as viewer:
        start = time.perf_counter()

        def show(step, qpos):
            data.qpos[:] = qpos[0]
            mujoco.mj_forward(env.mj_model, data)
            viewer.sync()
            time.sleep(max(0.0, start + (step + 1) * dt - time.perf_counter()))

        return rollout(env, act, steps, show)


def record(env, act, steps: int, dt: float, path: str) -> list:
    """The rollout filmed, every stride-th step's frame into an MP4 at `path`; its Episodes."""
    stride, tell = max(1, round(1.0 / (FPS * dt))), progress(steps, dt)
    with PoseRenderer(env.mj_model, *VIDEO) as renderer:
        with mp4_writer(path, fps=1.0 / (stride * dt)) as append:

            def film(step, qpos):
                if step % stride == 0:
                    append(renderer.frame(qpos))
                tell(step)

            return rollout(env, act, steps, film)


def run(args) -> None:
    """Play as the validated `args` say (legged_mjx/cli/play.py)."""
    jax_device_for(args.device)  # no CUDA: say so before the policy is read onto it
    task_name, cfg, train = run_config(args.checkpoint, args.task)
    apply_overrides(cfg, args.terrain_overrides)
    fix_commands(cfg, held_commands(cfg, args.command, args.num_envs, args.seed))
    task = make_task(task_name, cfg)
    if not args.viewer:
        check_rendering(task.mj_model, *VIDEO)  # before anything compiles
    backend = resolve_backend(args.backend, args.device)
    preflight.check_memory(preflight.env_sizes(task, backend), args.num_envs, backend, args.device)
    policy = run_policy(args.checkpoint, train, task_name, task, args.device)
    torch.set_num_threads(1)  # the MLP is tiny next to the physics
    env = LeggedVecEnv(task, args.num_envs, args.device, args.seed, backend, args.threads)
    steps = max(1, round(args.duration / task.dt))
    act = lambda obs: policy(obs["policy"]).float()  # noqa: E731
    print(f"[play] {task_name}: {args.num_envs} envs, {steps} steps of {task.dt:g} s, {policy.kind} policy")
    if args.viewer:
        episodes = watch(env, act, steps, task.dt)
    else:
        path = args.out or default_video_path(args.checkpoint)
        episodes = record(env, act, steps, task.dt, path)
        print(f"[play] wrote {path}")
    for line in report(episodes, cfg.command.names, args.num_envs):
        print(f"[play] {line}")
