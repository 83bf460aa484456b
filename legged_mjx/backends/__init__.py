"""Physics backends: the engines that advance a batch of environments between `begin_step` and
`finish_step` of the task core.

A backend has:
- `name`, and `traceable`: True if `simulate` is JAX code that can be traced into the caller's
  jitted control step (the whole step is then one XLA call), False if it runs on the host;
- `simulate(physics, targets, params) -> physics`: `decimation` substeps for the whole batch
  (leading axis N), each calling the task's `control` hook (with qpos, qvel and the sensordata
  MuJoCo's previous step left) and then one engine step with the model's own integrator;
- `adopt(physics)`: the backend's storage of a physics state made elsewhere (reset, replay);
- `merge_resets(running, state)`: after `finish_step`, the physics to keep: `running` where the
  episode goes on, `state.physics` (a fresh episode) where it ended.

Backends: `mjx` (MJX in JAX, the default on CUDA), `mujoco` (native MuJoCo in C threads, the
default on a CPU), `warp` (MJX's Warp implementation: NVIDIA GPUs; it also runs on a CPU, slowly,
which is how CI checks it). `auto` picks by device.
"""

import argparse

from legged_mjx.errors import UserError

BACKENDS = ("auto", "mjx", "mujoco", "warp")


def resolve_backend(name: str, device: str) -> str:
    """The backend to use for `name` on a torch/JAX device string ("cpu", "cuda:0")."""
    if name not in BACKENDS:
        raise UserError(f"unknown backend '{name}' (known: {', '.join(BACKENDS)})")
    on_cpu = str(device).startswith("cpu")
    if name == "auto":
        return "mujoco" if on_cpu else "mjx"
    if name == "mujoco" and not on_cpu:
        raise UserError(f"backend 'mujoco' (native, CPU threads) needs --device cpu, got '{device}'; use mjx on a GPU")
    return name


def make_backend(name: str, task, num_envs: int, device=None, threads: int | None = None):
    """A backend instance for `task` on a JAX `device` (name already resolved: mjx or mujoco)."""
    if name in ("mjx", "warp"):
        from legged_mjx.backends.mjx import MjxBackend

        return MjxBackend(task, device, impl="warp" if name == "warp" else "jax")
    if name == "mujoco":
        from legged_mjx.backends.native import NativeBackend

        return NativeBackend(task, num_envs, threads)
    raise UserError(f"unknown backend '{name}' (known: {', '.join(BACKENDS[1:])})")


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: '{text}'") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    """--backend and --threads, shared by every entry point."""
    parser.add_argument(
        "--backend", default="auto", choices=BACKENDS, help="physics: auto = mujoco on a CPU, mjx on CUDA"
    )
    parser.add_argument("--threads", type=positive_int, default=None, help="native backend threads (default: all)")
