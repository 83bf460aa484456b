"""The command lines of this project's entry points, one module each (train_ppo, play,
collect_trajectories, sim2sim; the top-level scripts and the console scripts of pyproject.toml
call their `main`), and what they share: an argparse parser whose errors are one line (`error: ...`,
exit status 2, no usage block), range checks that raise UserError, and the arguments several of
them take.

Every entry point runs in the same order: parse and validate its arguments (this package imports no
JAX, torch or mujoco, so `--help` and a typo answer at once), then `load_mujoco`, then its job's
module (legged_mjx/jobs/), which imports the heavy libraries and does the work.
"""

import argparse
import os
import re
import sys

from legged_mjx.errors import UserError


class ArgumentParser(argparse.ArgumentParser):
    """argparse with the module docstring kept as written and every parse error on one line."""

    def __init__(self, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(**kwargs)

    def error(self, message: str):
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def at_least(args, minimum, *names: str) -> None:
    """Every args.<name> that is set must be >= minimum (NaN never is)."""
    for name in names:
        value = getattr(args, name)
        if value is not None and not value >= minimum:
            raise UserError(f"--{name} must be >= {minimum}, got {value}")


def existing_file(path: str | None, what: str) -> None:
    """A path the user named must be a file (checked before anything slow starts)."""
    if path is not None and not os.path.isfile(path):
        raise UserError(f"{what} not found: {path}")


def device_name(device: str | None) -> None:
    """A --device must read cpu, cuda or cuda:N (whether it exists is checked once torch is imported)."""
    if device is not None and not re.fullmatch(r"cpu|cuda(:\d+)?", device):
        raise UserError(f"unsupported device '{device}' (use cpu or cuda:N)")


def add_policy_arguments(parser) -> None:
    """--checkpoint (the policy to run) and --task (its task when no cfgs.pkl comes with it)."""
    parser.add_argument(
        "--checkpoint",
        required=True,
        help="model_<it>.pt of a run, a run folder (its newest model_<it>.pt), or a TorchScript/ONNX policy",
    )
    parser.add_argument("--task", default=None, help="the policy's task if no cfgs.pkl comes with it (go2, ballu, ...)")


def add_command_argument(parser) -> None:
    """--command, as play.py and collect_trajectories.py take it."""
    parser.add_argument(
        "--command",
        type=float,
        nargs="+",
        action="append",
        default=None,
        metavar="V",
        help="a command held for an environment's whole life: its first slots (go2: vx vy wz, then height "
        "and jump; ballu: vx vy), the others the middle of their training ranges; repeat for more rows, "
        "environment i follows row i %% rows. Default: drawn from the training ranges",
    )


def load_mujoco(headless_rendering: bool = False) -> None:
    """Import mujoco once the arguments are valid: the first heavy import of every entry point.

    mujoco loads the OpenGL backend that MUJOCO_GL names when it is imported, and an unknown or
    missing one fails right there: here that is a one-line UserError. With `headless_rendering`
    (an entry point that writes video), MUJOCO_GL defaults to egl, which works without a display,
    as long as mujoco is not imported yet (in a process that already has it, its choice stands).
    """
    if headless_rendering and "mujoco" not in sys.modules:
        os.environ.setdefault("MUJOCO_GL", "egl")
    try:
        import mujoco  # noqa: F401
    except (RuntimeError, ImportError, AttributeError, OSError) as error:
        if not os.environ.get("MUJOCO_GL"):
            raise
        reason = " ".join(f"{type(error).__name__}: {error}".split())[:160]
        raise UserError(
            f"mujoco cannot load the OpenGL backend MUJOCO_GL={os.environ['MUJOCO_GL']} ({reason}); "
            "use MUJOCO_GL=egl (GPU or Mesa EGL) or MUJOCO_GL=osmesa (libOSMesa), or leave it unset"
        ) from None
