"""Full PPO training iterations on each physics backend: samples/s and where the time goes (env
step, policy + storage, update), in one run.

Runs rsl_rl's OnPolicyRunner.learn for a few iterations after one warm-up iteration (compile),
timing env.step and alg.update by wrapping them (each wrapped call ends with a device sync, so the
split is honest; the total is the plain wall time).

    python benchmarks/bench_train.py --task go2 --device cpu --num_envs 512 --iterations 5 --backend mujoco mjx
"""

import os
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import legged_mjx  # noqa: F401,E402  (before jax)

import jax  # noqa: E402
import torch  # noqa: E402

from benchmarks import common  # noqa: E402
from env_wrapper import make_env  # noqa: E402
from legged_mjx.errors import exit_on_user_error  # noqa: E402
from legged_mjx.tasks import train_config  # noqa: E402
from legged_mjx.training import Runner  # noqa: E402


def timed(fn, seconds: dict, key: str, sync):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        sync()
        seconds[key] += time.perf_counter() - start
        return out

    return wrapper


@exit_on_user_error
def main():
    parser = common.benchmark_parser(__doc__)
    parser.add_argument("--num_envs", type=int, default=256)
    parser.add_argument("--iterations", type=int, default=5)
    common.add_backend_list(parser)
    args = parser.parse_args()
    print(f"machine: {common.machine()}; device {args.device}")
    for backend in common.backends_to_measure(args):
        measure(args, backend)


def measure(args, backend: str) -> None:
    """Time `args.iterations` training iterations of a fresh runner on `backend`."""
    env = make_env(args.task, num_envs=args.num_envs, device=args.device, seed=0, backend=backend)
    train = train_config(args.task)
    runner = Runner(env, train, log_dir=None, device=args.device)
    runner.learn(1)  # warm-up: compiles the step

    def sync():
        jax.block_until_ready(env.state)
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()

    seconds = defaultdict(float)
    env.step = timed(env.step, seconds, "env", sync)
    runner.alg.update = timed(runner.alg.update, seconds, "update", sync)
    start = time.perf_counter()
    runner.learn(args.iterations)
    total = time.perf_counter() - start

    samples = args.iterations * args.num_envs * train["num_steps_per_env"]
    per_iteration = {k: v / args.iterations for k, v in seconds.items()}
    other = total / args.iterations - per_iteration["env"] - per_iteration["update"]
    print(
        f"task {args.task}, backend {backend}, {args.num_envs} envs x {train['num_steps_per_env']} steps,"
        f" {args.iterations} iterations, torch threads {torch.get_num_threads()}"
    )
    print(f"samples/s (whole iteration): {samples / total:,.0f}")
    print(
        f"per iteration: total {total / args.iterations:.3f} s = env steps {per_iteration['env']:.3f} s"
        f" + policy/storage/logging {other:.3f} s + PPO update {per_iteration['update']:.3f} s"
    )


if __name__ == "__main__":
    main()
