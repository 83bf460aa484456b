"""What the benchmarks share: their command line (task, device, backends to measure), the machine
line they print, and timing a loop of calls."""

import os
import platform
import time

import jax

from legged_mjx.backends import BACKENDS
from legged_mjx.cli import ArgumentParser


def benchmark_parser(doc: str, several_tasks: bool = False) -> ArgumentParser:
    """A benchmark's command line: --task (one, or with several_tasks a list) and --device (cpu),
    errors on one line."""
    parser = ArgumentParser(description=doc)
    if several_tasks:
        parser.add_argument("--task", nargs="+", default=["go2"], help="tasks measured in turn, in one run")
    else:
        parser.add_argument("--task", default="go2")
    parser.add_argument("--device", default="cpu")
    return parser


def add_backend_list(parser: ArgumentParser) -> None:
    """--backend NAME [NAME ...]: the physics backends to measure, one after the other."""
    parser.add_argument(
        "--backend", nargs="+", default=None, choices=BACKENDS[1:], help="default: mujoco mjx on a CPU, mjx on CUDA"
    )


def backends_to_measure(args) -> list:
    """--backend's list, by default the native and MJX backends on a CPU and MJX on CUDA."""
    return args.backend or (["mujoco", "mjx"] if args.device == "cpu" else ["mjx"])


def machine() -> str:
    """Host name, processor and CPU count."""
    return f"{platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs"


def time_calls(run_once, sync, steps: int) -> float:
    """Wall time per call of `steps` calls (synchronised at the end)."""
    start = time.perf_counter()
    for _ in range(steps):
        run_once()
    sync()
    return (time.perf_counter() - start) / steps


def env_steps(env, actions) -> tuple:
    """(run_once, sync) for time_calls: one VecEnv step with fixed `actions`."""
    return (lambda: env.step(actions)), (lambda: jax.block_until_ready(env.state.obs))
