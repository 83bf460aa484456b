"""What the benchmarks share: their command line (task, device, backends to measure), the machine
line they print, timing a loop of calls, and seeing whether the host waits for queued GPU work."""

import os
import platform
import time

import jax
import torch

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


def gpu_sleep(seconds: float) -> torch.cuda.Event:
    """Queue about `seconds` of GPU work (a spin kernel) on torch's current CUDA stream; returns an
    event recorded after it: `event.query()` is False while the GPU is still busy with it."""
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    cycles = 10_000_000  # calibration: clock cycles per millisecond of this GPU
    start.record()
    torch.cuda._sleep(cycles)
    end.record()
    end.synchronize()
    torch.cuda._sleep(int(cycles / start.elapsed_time(end) * seconds * 1000))
    done = torch.cuda.Event()
    done.record()
    return done


def rollout_returns_while_gpu_busy(runner, seconds: float) -> tuple[bool, float]:
    """One training iteration of an rsl_rl runner (compiled already) with `seconds` of GPU work queued
    before its rollout: (whether the whole rollout, num_steps_per_env x policy + env step + storage +
    logging, was queued while that work still ran, i.e. the host never waited for the GPU; the
    rollout's host time in seconds)."""
    seen = {}
    start_logging, compute_returns = runner.logger.init_logging_writer, runner.alg.compute_returns

    def start_then_occupy_gpu():  # called by learn() right before the rollout
        start_logging()
        seen["busy"], seen["start"] = gpu_sleep(seconds), time.perf_counter()

    def note_then_compute(obs):  # called by learn() right after the rollout
        seen["still busy"], seen["seconds"] = not seen["busy"].query(), time.perf_counter() - seen["start"]
        return compute_returns(obs)

    runner.logger.init_logging_writer, runner.alg.compute_returns = start_then_occupy_gpu, note_then_compute
    try:
        runner.learn(1)
    finally:
        del runner.logger.init_logging_writer, runner.alg.compute_returns  # the methods again
    return seen["still busy"], seen["seconds"]
