"""Environment control steps per second against the bare MJX physics it wraps, in one run.

For each batch size: the full VecEnv step (torch actions in, DLPack both ways, actuator law,
observations, rewards, terminations, auto-reset, episode statistics) and the bare physics
(jit(vmap(decimation x mjx.step)) of the same model with constant controls), interleaved and
timed on the same machine state after a warm-up (BALLU's step costs more once it has landed: its
contacts engage the solver). The bare physics starts from the env's state and holds the env's
last controls and forces (buoyancy included). Prints env/physics cost (target <= 1.25).

    python benchmarks/bench_env.py --task go2 --device cpu --num_envs 256 1024 4096
"""

import argparse
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import legged_mjx  # noqa: F401,E402  (before jax)

import jax  # noqa: E402
import torch  # noqa: E402
from mujoco import mjx  # noqa: E402

from env_wrapper import make_env  # noqa: E402
from legged_mjx.errors import exit_on_user_error  # noqa: E402


def time_calls(run_once, sync, steps: int) -> float:
    """Wall time per call of `steps` calls (synchronised at the end)."""
    start = time.perf_counter()
    for _ in range(steps):
        run_once()
    sync()
    return (time.perf_counter() - start) / steps


def bare_physics(env):
    """jit(vmap(decimation x mjx.step)) on the env's model from its current physics state
    (mjx.step keeps applying the ctrl and xfrc_applied stored in the state)."""
    model, decimation = env.task.mjx_model, env.task.cfg.env.decimation

    def control_step(data):
        return jax.lax.fori_loop(0, decimation, lambda _, d: mjx.step(model, d), data)

    step = jax.jit(jax.vmap(control_step))
    data = [env.state.data]

    def run_once():
        data[0] = step(data[0])

    return run_once, lambda: jax.block_until_ready(data[0])


def env_steps(env, actions):
    def run_once():
        env.step(actions)

    return run_once, lambda: jax.block_until_ready(env.state)


@exit_on_user_error
def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="go2")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--num_envs", type=int, nargs="+", default=[256, 1024, 4096])
    parser.add_argument("--steps", type=int, default=20, help="control steps per timed loop")
    parser.add_argument("--repeats", type=int, default=3, help="timed loops of each; the best is reported")
    parser.add_argument("--warmup", type=int, default=100, help="untimed env steps first (compile, settle)")
    args = parser.parse_args()

    print(f"machine: {platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}; torch {torch.__version__}; device {args.device}")
    print(f"{'num_envs':>8} {'env steps/s':>14} {'physics steps/s':>16} {'env/physics cost':>17}")
    for num_envs in args.num_envs:
        env = make_env(args.task, num_envs=num_envs, device=args.device, seed=0)
        generator = torch.Generator(device=args.device).manual_seed(0)
        actions = 0.3 * torch.randn(num_envs, env.num_actions, device=args.device, generator=generator)
        env_run = env_steps(env, actions)
        time_calls(*env_run, args.warmup)  # compile, then reach the steady state (landed, walking)
        physics_run = bare_physics(env)  # starts from the env's state, holding its last controls and forces
        time_calls(*physics_run, 1)  # compile
        env_time = physics_time = float("inf")
        for _ in range(args.repeats):  # interleaved: both see the same machine load and episode phase
            env_time = min(env_time, time_calls(*env_run, args.steps))
            physics_time = min(physics_time, time_calls(*physics_run, args.steps))
        print(
            f"{num_envs:>8} {num_envs / env_time:>14,.0f} {num_envs / physics_time:>16,.0f} "
            f"{env_time / physics_time:>17.2f}"
        )
        env.close()


if __name__ == "__main__":
    main()
