"""Watch a trained policy: run it in a few environments, print every episode, write a video.

    python play.py --checkpoint logs/go2-ppo-dynaflow/<run>/model_300.pt       # -> <run>/videos/play_300.mp4
    python play.py --checkpoint logs/go2-ppo-dynaflow/<run>/model_300.pt --command 1.0 0 0
    python play.py --checkpoint policy.onnx --task go2 --num_envs 2 --duration 5 --out go2.mp4
    python play.py --checkpoint logs/.../model_300.pt --viewer                 # interactive, needs a display

The task and its configs come from the run's cfgs.pkl beside the checkpoint (for an exported policy
in <run>/exported/, the run's); without one, --task names a task with its default config. Each
environment holds one command for its whole life: --command gives the first slots of the task's
command (go2: vx vy wz, then height and jump; ballu: vx vy) and the remaining slots take the middle
of their ranges; without --command each environment draws one from the training ranges. The policy
acts with its mean action. The video shows the environments side by side, each followed by its own
camera; it needs OpenGL offscreen (MUJOCO_GL=egl, the default here, or osmesa).
"""

import os
import re
import sys
import time

if __name__ == "__main__" and "--viewer" not in sys.argv:  # the viewer brings its own (GLFW) context
    os.environ.setdefault("MUJOCO_GL", "egl")  # headless rendering; must precede mujoco's import

import legged_mjx  # noqa: F401  (before jax and torch)

import mujoco
import numpy as np
import torch

from env_wrapper import LeggedVecEnv
from legged_mjx.backends import add_backend_arguments
from legged_mjx.devices import jax_device_for
from legged_mjx.cli import ArgumentParser, at_least
from legged_mjx.config import apply_overrides
from legged_mjx.errors import UserError, exit_on_user_error
from legged_mjx.playback import rollout
from legged_mjx.rendering import PoseRenderer, check_rendering, mp4_writer
from legged_mjx.run_config import add_policy_arguments, fix_commands, run_config, run_folder, run_policy
from legged_mjx.tasks import make_task
from legged_mjx.terrain.cli import add_terrain_arguments, terrain_overrides

FPS = 25.0  # video frames per second (every round(1 / (FPS dt))-th control step)
VIDEO = ("play.py's video", "use --viewer where there is a display")  # what needs OpenGL, what else to do


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__)
    add_policy_arguments(parser)
    parser.add_argument("--num_envs", type=int, default=4, help="environments, side by side in the video")
    parser.add_argument("--duration", type=float, default=10.0, help="simulated seconds")
    parser.add_argument(
        "--command", type=float, nargs="+", default=None, metavar="V", help="go2: vx vy wz [height jump]"
    )
    parser.add_argument("--device", default="cpu", help="cpu or cuda:N")
    add_backend_arguments(parser)
    add_terrain_arguments(parser, with_set=True)
    parser.add_argument("--seed", type=int, default=0, help="seeds the environments and the drawn commands")
    parser.add_argument("--out", default=None, help="video path (default <run>/videos/play_<it>.mp4)")
    parser.add_argument("--viewer", action="store_true", help="MuJoCo's interactive viewer (environment 0), no video")
    args = parser.parse_args(argv)
    at_least(args, 1, "num_envs")
    if not args.duration > 0:
        raise UserError(f"--duration must be > 0, got {args.duration}")
    return args


def held_commands(cfg, values: list | None, num_envs: int, seed: int) -> list:
    """Command rows held by the environments: `values` for the first slots and the middle of the
    ranges for the rest (one row for all), or one row per environment drawn uniformly from the ranges."""
    names, ranges = cfg.command.names, cfg.command.ranges
    low, high = np.array([ranges[n] for n in names], dtype=float).T
    if values is None:
        return np.random.default_rng(seed).uniform(low, high, size=(num_envs, len(names))).tolist()
    if len(values) > len(names):
        raise UserError(f"--command takes at most {len(names)} values ({' '.join(names)}), got {len(values)}")
    return [list(values) + list((low + high)[len(values) :] / 2)]


def default_video_path(checkpoint: str) -> str:
    """<run>/videos/play_<it>.mp4 (play_<name>.mp4 for a policy file that is no model_<it>.pt)."""
    name = os.path.splitext(os.path.basename(checkpoint))[0]
    match = re.fullmatch(r"model_(\d+)", name)
    return os.path.join(run_folder(checkpoint), "videos", f"play_{match.group(1) if match else name}.mp4")


def check_display() -> None:
    """--viewer opens a window: on Linux that needs an X11 or Wayland display."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise UserError("--viewer needs a display (DISPLAY and WAYLAND_DISPLAY are unset); drop --viewer for a video")


def open_viewer(model, data):
    """mujoco.viewer's passive viewer, or a UserError when it cannot open a window."""
    import mujoco.viewer

    try:
        return mujoco.viewer.launch_passive(model, data)
    except Exception as error:  # noqa: BLE001 - GLFW failures surface as many exception types
        raise UserError(f"--viewer could not open a window: {' '.join(str(error).split())[:160]}") from None


def watch(env, act, steps: int, dt: float, report) -> None:
    """The rollout shown live in the viewer (environment 0, paced to real time); report(Episode) as each ends."""
    data = mujoco.MjData(env.mj_model)
    with open_viewer(env.mj_model, data) as viewer:
        start = time.perf_counter()

        def show(step, qpos):
            data.qpos[:] = qpos[0]
            mujoco.mj_forward(env.mj_model, data)
            viewer.sync()
            time.sleep(max(0.0, start + (step + 1) * dt - time.perf_counter()))

        rollout(env, act, steps, show, report)


def record(env, act, steps: int, dt: float, path: str, report) -> None:
    """The rollout filmed, every stride-th step's frame into an MP4 at `path`; report(Episode) as each ends."""
    stride = max(1, round(1.0 / (FPS * dt)))
    with PoseRenderer(env.mj_model, *VIDEO) as renderer:
        with mp4_writer(path, fps=1.0 / (stride * dt)) as append:
            rollout(env, act, steps, lambda step, qpos: step % stride or append(renderer.frame(qpos)), report)


@exit_on_user_error
def main(argv=None) -> None:
    args = parse_args(argv)
    jax_device_for(args.device)  # no CUDA: say so before the policy is read onto it
    task_name, cfg, train = run_config(args.checkpoint, args.task)
    apply_overrides(cfg, terrain_overrides(args.terrain, args.sets))
    fix_commands(cfg, held_commands(cfg, args.command, args.num_envs, args.seed))
    task = make_task(task_name, cfg)
    if args.viewer:
        check_display()
    else:
        check_rendering(task.mj_model, *VIDEO)  # before anything compiles
    policy = run_policy(args.checkpoint, train, task_name, task, args.device)
    env = LeggedVecEnv(task, args.num_envs, args.device, args.seed, args.backend, args.threads)
    steps = max(1, round(args.duration / task.dt))
    act = lambda obs: policy(obs["policy"]).float()  # noqa: E731
    print(f"[play] {task_name}: {args.num_envs} envs, {steps} steps of {task.dt:g} s, {policy.kind} policy")
    report = lambda episode: print(f"[play] {episode.line(cfg.command.names, task.dt)}", flush=True)  # noqa: E731
    if args.viewer:
        watch(env, act, steps, task.dt, report)
    else:
        path = args.out or default_video_path(args.checkpoint)
        record(env, act, steps, task.dt, path, report)
        print(f"[play] wrote {path}")


if __name__ == "__main__":
    torch.set_num_threads(1)  # the MLP is tiny next to the physics
    main()
