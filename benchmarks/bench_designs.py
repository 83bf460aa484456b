"""What many bodies in one batch cost: environment steps per second of BALLU with one body (`ballu`)
and with a body per environment (`ballu-morph`: 64 designs, spcf and GCR per environment), same
batch, same backend, timed in turns in one process so that both see the same machine load.
Target (native backend, 1024 environments, 2 cores): ballu-morph >= 0.9x ballu.

    python benchmarks/bench_designs.py --num_envs 1024 --backend mujoco
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import legged_mjx  # noqa: F401,E402  (before jax)

import jax  # noqa: E402
import mujoco  # noqa: E402
import torch  # noqa: E402

from benchmarks import common  # noqa: E402
from legged_mjx.errors import exit_on_user_error  # noqa: E402
from legged_mjx.vecenv import make_env  # noqa: E402

TASKS = ("ballu", "ballu-morph")


@exit_on_user_error
def main():
    parser = common.benchmark_parser(__doc__)
    parser.add_argument("--num_envs", type=int, nargs="+", default=[1024])
    parser.add_argument("--backend", default="mujoco", choices=["mujoco", "mjx"])
    parser.add_argument("--threads", type=int, default=None, help="native backend threads (default: all cores)")
    parser.add_argument("--steps", type=int, default=20, help="control steps per timed loop")
    parser.add_argument("--repeats", type=int, default=5, help="timed loops of each task; the best is reported")
    parser.add_argument("--warmup", type=int, default=100, help="untimed env steps first (compile, land)")
    args = parser.parse_args()

    print(f"machine: {common.machine()}")
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}; mujoco {mujoco.__version__}; backend {args.backend}")
    for num_envs in args.num_envs:
        runs = {}
        for task in TASKS:
            env = make_env(task, num_envs, args.device, seed=0, backend=args.backend, threads=args.threads)
            generator = torch.Generator(device=args.device).manual_seed(0)
            actions = 0.3 * torch.randn(num_envs, env.num_actions, device=args.device, generator=generator)
            runs[task] = common.env_steps(env, actions)
            common.time_calls(*runs[task], args.warmup)
        best = {task: float("inf") for task in TASKS}
        for _ in range(args.repeats):  # in turns: both see the same load
            for task in TASKS:
                best[task] = min(best[task], common.time_calls(*runs[task], args.steps))
        rates = {task: num_envs / best[task] for task in TASKS}
        print(
            f"{num_envs} envs: ballu {rates['ballu']:,.0f} steps/s, ballu-morph {rates['ballu-morph']:,.0f} steps/s, "
            f"ballu-morph / ballu = {rates['ballu-morph'] / rates['ballu']:.2f}"
        )


if __name__ == "__main__":
    main()
