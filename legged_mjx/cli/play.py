"""Watch a trained policy: run it in a few environments, write a video, print a table and a summary.

    python play.py --checkpoint logs/go2-ppo-dynaflow/<run>/model_300.pt       # -> <run>/videos/play_300.mp4
    python play.py --checkpoint logs/go2-ppo-dynaflow/<run>/ --command 1.0     # the run's newest checkpoint
    python play.py --checkpoint policy.onnx --task go2 --num_envs 2 --duration 5 --out go2.mp4
    python play.py --checkpoint logs/.../model_300.pt --viewer                 # interactive, needs a display

The task and its configs come from the run's cfgs.pkl beside the checkpoint (for an exported policy
in <run>/exported/, the run's); without one, --task names a task with its default config. Each
environment holds one command for its whole life: --command gives the first slots of the task's
command (go2: vx vy wz, then height and jump; ballu: vx vy) and the remaining slots take the middle
of their ranges (repeat --command for more rows, as collect_trajectories.py takes it); without
--command each environment draws one from the training ranges. The policy acts with its mean
action. At the end: one row per environment (command, episodes, falls, mean return, achieved
velocity) and a summary (episodes, falls, time-outs, mean return, tracking error). The video shows
the environments side by side, each followed by its own camera; it needs OpenGL offscreen
(MUJOCO_GL=egl, the default here, or osmesa). --terrain flat|rough replaces the run's ground and
--set terrain.KEY=VALUE changes its terrain section (docs/terrain.md).
"""

import os
import sys

from legged_mjx.backends import add_backend_arguments
from legged_mjx.cli import (
    ArgumentParser,
    add_command_argument,
    add_policy_arguments,
    at_least,
    device_name,
    load_mujoco,
)
from legged_mjx.errors import UserError, exit_on_user_error
from legged_mjx.run_folders import resolve_checkpoint
from legged_mjx.terrain.cli import add_terrain_arguments, terrain_overrides


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__)
    add_policy_arguments(parser)
    parser.add_argument("--num_envs", type=int, default=4, help="environments, side by side in the video")
    parser.add_argument("--duration", type=float, default=10.0, help="simulated seconds")
    add_command_argument(parser)
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
    device_name(args.device)
    args.checkpoint = resolve_checkpoint(args.checkpoint)
    args.terrain_overrides = terrain_overrides(args.terrain, args.sets)
    if args.viewer:
        check_display()
    return args


def check_display() -> None:
    """--viewer opens a window: on Linux that needs an X11 or Wayland display."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise UserError("--viewer needs a display (DISPLAY and WAYLAND_DISPLAY are unset); drop --viewer for a video")


@exit_on_user_error
def main(argv=None) -> None:
    args = parse_args(argv)
    load_mujoco(headless_rendering=not args.viewer)  # the viewer brings its own (GLFW) context
    from legged_mjx.jobs import play

    play.run(args)
