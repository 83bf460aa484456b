"""Trajectory collection throughput against plain environment stepping, in one run.

For each batch size: the bare VecEnv step with constant actions, the same plus the policy (an MLP
of the task's training size, random weights), and the full `legged_mjx.collection.loop.collect` loop into
an HDF5 file (policy, recording, host transfers, episode buffers, compression, commit). The
collection runs twice (the first compiles) and reports the second: recorded transitions/s (what
lands in the file) and simulated steps/s (including steps of episodes it does not keep), and the
time spent committing. Actions get Gaussian noise (std --action_noise) so episodes end often.

    python benchmarks/bench_collect.py --task go2 --device cpu --num_envs 64 256
"""

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import legged_mjx  # noqa: F401,E402  (before jax)

import h5py  # noqa: E402
import jax  # noqa: E402
import torch  # noqa: E402

from benchmarks import common  # noqa: E402
from env_wrapper import make_env  # noqa: E402
from legged_mjx.backends import add_backend_arguments  # noqa: E402
from legged_mjx.collection.actor import Actor  # noqa: E402
from legged_mjx.collection.commits import Committer  # noqa: E402
from legged_mjx.collection.loop import collect  # noqa: E402
from legged_mjx.collection.provenance import dataset_attrs  # noqa: E402
from legged_mjx.errors import exit_on_user_error  # noqa: E402
from legged_mjx.policies import MLPActor, Policy  # noqa: E402
from legged_mjx.tasks import train_config  # noqa: E402


def random_policy(env, task_name: str) -> Policy:
    """An MLP actor with the task's training layer sizes and random weights."""
    obs_dim = env.get_observations()["policy"].shape[1]
    dims = [obs_dim, *train_config(task_name)["actor"]["hidden_dims"], env.num_actions]
    generator = torch.Generator().manual_seed(0)
    weights = [torch.randn(o, i, generator=generator) / i**0.5 for i, o in zip(dims[:-1], dims[1:])]
    actor = MLPActor(weights, [torch.zeros(o) for o in dims[1:]], "elu").to(env.device).eval()
    return Policy(actor, obs_dim, env.num_actions, "rsl_rl", "random", "0" * 64)


def policy_steps(env, actor: Actor):
    def run_once():
        action, _ = actor(env.get_observations()["policy"])
        env.step(action)

    return run_once, lambda: jax.block_until_ready(env.state)


def timed_collect(env, actor: Actor, attrs: dict, num_episodes: int, compression: str) -> dict:
    """Wall seconds, transitions written, steps simulated (x envs), commit seconds and file MB of
    one collect()."""
    steps, step = [0], env.step

    def counting_step(actions):
        steps[0] += 1
        return step(actions)

    env.step = counting_step
    with tempfile.TemporaryDirectory() as folder:
        committer = Committer(os.path.join(folder, "bench.h5"), attrs, every_s=3600, compression=compression)
        start = time.perf_counter()
        collect(env, actor, num_episodes, committer, progress=False)
        seconds = time.perf_counter() - start
        with h5py.File(committer.path) as h5:
            written = int(h5.attrs["num_transitions"])
        size_mb = os.path.getsize(committer.path) / 1e6
    del env.step
    simulated = steps[0] * env.num_envs
    return {
        "s": seconds,
        "written": written,
        "simulated": simulated,
        "commit_s": committer.last_duration,
        "mb": size_mb,
    }


@exit_on_user_error
def main():
    parser = common.benchmark_parser(__doc__)
    add_backend_arguments(parser)
    parser.add_argument("--num_envs", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--episodes_per_env", type=int, default=2, help="episodes collected = this x num_envs")
    parser.add_argument("--action_noise", type=float, default=1.0)
    parser.add_argument("--compression", default="gzip")
    parser.add_argument("--steps", type=int, default=20, help="control steps per timed stepping loop")
    parser.add_argument("--repeats", type=int, default=3, help="timed stepping loops; the best is reported")
    args = parser.parse_args()
    if args.device == "cpu":
        torch.set_num_threads(1)  # as collect_trajectories.py does on the CPU

    print(f"machine: {common.machine()}")
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}; torch {torch.__version__}; device {args.device}")
    print(f"backend {args.backend}")
    print(
        f"{'num_envs':>8} {'env steps/s':>12} {'+policy':>10} {'collect rec/s':>14} {'collect sim/s':>14} "
        f"{'env/collect':>12} {'commit s':>9} {'MB':>7}"
    )
    for num_envs in args.num_envs:
        env = make_env(args.task, num_envs, args.device, seed=0, backend=args.backend, threads=args.threads)
        policy = random_policy(env, args.task)
        actor = Actor(policy, action_noise=args.action_noise, device=args.device)
        actions = torch.zeros(num_envs, env.num_actions, device=args.device)
        env_run, policy_run = common.env_steps(env, actions), policy_steps(env, actor)
        common.time_calls(*env_run, 1)  # compile
        env_time = min(common.time_calls(*env_run, args.steps) for _ in range(args.repeats))
        policy_time = min(common.time_calls(*policy_run, args.steps) for _ in range(args.repeats))
        attrs = dataset_attrs(args.task, env.task, {}, policy, actor, 0, args.compression, env.backend)
        timed_collect(env, actor, attrs, num_envs, args.compression)  # compiles the recording
        run = timed_collect(env, actor, attrs, args.episodes_per_env * num_envs, args.compression)
        simulated_rate, recorded_rate = run["simulated"] / run["s"], run["written"] / run["s"]
        print(
            f"{num_envs:>8} {num_envs / env_time:>12,.0f} {num_envs / policy_time:>10,.0f} {recorded_rate:>14,.0f} "
            f"{simulated_rate:>14,.0f} {num_envs / env_time / simulated_rate:>12.2f} {run['commit_s']:>9.2f} "
            f"{run['mb']:>7.1f}"
        )
        env.close()


if __name__ == "__main__":
    main()
