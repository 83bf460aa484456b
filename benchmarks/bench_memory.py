"""Memory per environment, measured: the peak resident memory of a process that builds a batch of
N environments and steps it (and, with training, runs one rsl_rl iteration on it), for two sizes
N; the slope between them is the cost of one more environment. Printed beside the model-derived
sizes that legged_mjx/preflight.py multiplies (task state, MJX data, rollout storage), so the
multipliers there can be checked against a new measurement.

    python benchmarks/bench_memory.py --task go2 --backend mujoco mjx --sizes 256 2048
"""

import argparse
import json
import os
import resource
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import legged_mjx  # noqa: F401,E402  (before jax)

from benchmarks.common import add_backend_list, backends_to_measure, benchmark_parser, machine  # noqa: E402
from legged_mjx.errors import exit_on_user_error  # noqa: E402

KIB = 1024


def peak_rss() -> int:
    """This process's peak resident memory, bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * KIB


def child(task_name: str, backend: str, num_envs: int, train: bool) -> dict:
    """Peak memory after building and stepping `num_envs` environments, and after one iteration."""
    import torch

    from legged_mjx import preflight
    from legged_mjx.tasks import make_task, train_config
    from legged_mjx.training import Runner
    from legged_mjx.vecenv import LeggedVecEnv

    torch.set_num_threads(1)
    task = make_task(task_name)
    config = train_config(task_name)
    sizes = preflight.env_sizes(task, backend, config)
    env = LeggedVecEnv(task, num_envs, "cpu", 0, backend, threads=1)
    for _ in range(3):
        env.step(torch.zeros(num_envs, env.num_actions))
    result = {"env_peak": peak_rss(), **sizes}
    if train:
        Runner(env, config, log_dir=None, device="cpu").learn(1)
        result["train_peak"] = peak_rss()
    return result


def measure(task: str, backend: str, num_envs: int, train: bool) -> dict:
    command = [sys.executable, __file__, "--child", "--task", task, "--backend", backend, "--sizes", str(num_envs)]
    command += ["--train"] if train else []
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


@exit_on_user_error
def main() -> None:
    parser = benchmark_parser(__doc__)
    add_backend_list(parser)
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 2048], help="two batch sizes")
    parser.add_argument("--train", action="store_true", help="also one PPO iteration (rollout storage, update)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.task, args.backend[0], args.sizes[0], args.train)))
        return
    print(f"# {machine()}; task {args.task}; peak RSS slope between N = {args.sizes[0]} and {args.sizes[-1]}")
    for backend in backends_to_measure(args):
        small, large = (measure(args.task, backend, n, args.train) for n in (args.sizes[0], args.sizes[-1]))
        span = args.sizes[-1] - args.sizes[0]
        slope = {key: (large[key] - small[key]) / span for key in ("env_peak", "train_peak") if key in small}
        model = {key: value for key, value in small.items() if not key.endswith("_peak")}
        line = ", ".join(f"{key} {value / KIB:.1f} KiB/env" for key, value in slope.items())
        print(f"{backend}: {line}; model sizes (bytes/env): {model}")


if __name__ == "__main__":
    main()
