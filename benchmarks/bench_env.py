"""Environment control steps per second on each physics backend, against the bare engine, in one run.

For each batch size and backend: the full VecEnv step (torch actions in, DLPack both ways, actuator
law every substep, observations, rewards, terminations, auto-reset, episode statistics) and the
bare engine for the same model and substeps, holding the controls and body forces (BALLU's
buoyancy) that the task's hook gives at the env's state:
- mjx, warp: jit(vmap(decimation x mjx.step));
- mujoco: one `mujoco.rollout` call of `decimation` steps on the same persistent thread pool.
Env and bare engine are interleaved and timed on the same machine state after a warm-up (BALLU's
step costs more once it has landed). Prints each env/engine cost and, with both backends, the
native env's speed over the MJX env's (target >= 4 on 2 cores) and over the bare rollout (>= 0.7).
Several tasks are measured in turn in one run (e.g. go2 against go2-rough); for a task with a height
scan in its observations, the scan alone (jit(vmap) of the ground lookup under its points, at the
env's states) is timed too and given as a share of the env step.

    python benchmarks/bench_env.py --task go2 --device cpu --num_envs 256 1024 4096 --backend mujoco mjx
    python benchmarks/bench_env.py --task go2 go2-rough --device cpu --num_envs 1024 4096 --backend mujoco mjx
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import legged_mjx  # noqa: F401,E402  (before jax)

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import mujoco  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mujoco import mjx  # noqa: E402

from benchmarks import common  # noqa: E402
from env_wrapper import make_env  # noqa: E402
from legged_mjx.state import PHYSICS_FIELDS  # noqa: E402
from legged_mjx.errors import exit_on_user_error  # noqa: E402


def scan_run(env):
    """(run_once, sync) of the height scan alone: the ground under every environment's scan points."""
    physics = env.state.physics
    base = (jnp.asarray(physics.qpos[:, 0:3], jnp.float32), jnp.asarray(physics.qpos[:, 3:7], jnp.float32))
    scan = jax.jit(jax.vmap(env.task.terrain.scan))
    out = [scan(*base)]

    def run_once():
        out[0] = scan(*base)

    return run_once, lambda: jax.block_until_ready(out[0])


def uses_height_scan(task) -> bool:
    return any(term.name == "height_scan" for terms in task.cfg.obs.groups.values() for term in terms)


def held_inputs(env) -> tuple:
    """(ctrl (N, nu), xfrc_applied (N, nbody, 6) or None): the task's control hook at the env's state
    and last action, which the bare engines then hold."""
    task, state = env.task, env.state
    physics = jax.tree.map(jnp.asarray, state.physics)
    targets = jax.vmap(task.action_targets)(state.prev_action)
    ctrl, xfrc_applied = jax.vmap(task.control)(physics, targets, state.params)
    return np.asarray(ctrl, np.float64), None if xfrc_applied is None else np.asarray(xfrc_applied, np.float64)


def bare_mjx(env):
    """jit(vmap(decimation x mjx.step)) from the env's physics, holding the hook's controls and forces."""
    backend, decimation = env.batch.backend, env.task.cfg.env.decimation
    model = backend.model
    ctrl, xfrc_applied = held_inputs(env)
    inputs = {"ctrl": ctrl} if xfrc_applied is None else {"ctrl": ctrl, "xfrc_applied": xfrc_applied}

    def control_step(data):
        return jax.lax.fori_loop(0, decimation, lambda _, d: mjx.step(model, d), data)

    def batched_data(physics, inputs):
        fields = {n: getattr(physics, n) for n in PHYSICS_FIELDS if n != "ctrl"}
        return backend.template.replace(**fields, **inputs)

    physics = jax.tree.map(jnp.asarray, env.state.physics)
    # committed to the env's device like the step's outputs, so the step compiles once, not twice
    data = [jax.device_put(jax.vmap(batched_data)(physics, jax.tree.map(jnp.asarray, inputs)), env.batch.device)]
    step = jax.jit(jax.vmap(control_step))

    def run_once():
        data[0] = step(data[0])

    return run_once, lambda: jax.block_until_ready(data[0])


def bare_rollout(env):
    """One mujoco.rollout call of `decimation` steps per control step on the backend's thread pool,
    from the env's physics, holding the hook's controls and forces."""
    backend, decimation = env.batch.backend, env.task.cfg.env.decimation
    p = env.state.physics
    state = [np.concatenate([p.time[:, None], p.qpos, p.qvel, p.act], axis=1)]
    ctrl, xfrc_applied = held_inputs(env)
    inputs = ctrl if xfrc_applied is None else np.concatenate([ctrl, xfrc_applied.reshape(len(ctrl), -1)], axis=1)
    control = np.ascontiguousarray(np.repeat(inputs[:, None, :], decimation, axis=1))

    def run_once():
        out, _ = backend.pool.rollout(
            backend.models, backend.datas, state[0], control, control_spec=backend.control_spec, nstep=decimation
        )
        state[0] = out[:, -1]

    return run_once, lambda: None


@exit_on_user_error
def main():
    parser = common.benchmark_parser(__doc__, several_tasks=True)
    parser.add_argument("--num_envs", type=int, nargs="+", default=[256, 1024, 4096])
    common.add_backend_list(parser)
    parser.add_argument("--threads", type=int, default=None, help="native backend threads (default: all cores)")
    parser.add_argument("--steps", type=int, default=20, help="control steps per timed loop")
    parser.add_argument("--repeats", type=int, default=3, help="timed loops of each; the best is reported")
    parser.add_argument("--warmup", type=int, default=100, help="untimed env steps first (compile, settle)")
    args = parser.parse_args()
    args.backend = common.backends_to_measure(args)

    print(f"machine: {common.machine()}")
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}; mujoco {mujoco.__version__}; device {args.device}")
    print(
        f"{'task':>9} {'backend':>8} {'num_envs':>8} {'env steps/s':>12} {'bare steps/s':>13} {'env/bare cost':>14} "
        f"{'scan share':>10}"
    )
    for num_envs in args.num_envs:
        for task in args.task:
            rates = {}
            for backend in args.backend:
                rates[backend] = measure(args, task, backend, num_envs)
            if {"mujoco", "mjx"} <= set(rates):
                native, bare = rates["mujoco"]
                print(
                    f"{'':>9} {task} {num_envs} envs: native env / MJX env = {native / rates['mjx'][0]:.2f}; "
                    f"native env / bare rollout = {native / bare:.2f}"
                )


def measure(args, task: str, backend: str, num_envs: int) -> tuple:
    """(env steps/s, bare engine steps/s) of one task on one backend; prints its line."""
    env = make_env(task, num_envs, args.device, seed=0, backend=backend, threads=args.threads)
    generator = torch.Generator(device=args.device).manual_seed(0)
    actions = 0.3 * torch.randn(num_envs, env.num_actions, device=args.device, generator=generator)
    env_run = common.env_steps(env, actions)
    common.time_calls(*env_run, args.warmup)  # compile, then reach the steady state (landed, walking)
    runs = {"bare": (bare_rollout if backend == "mujoco" else bare_mjx)(env)}
    if uses_height_scan(env.task):
        runs["scan"] = scan_run(env)
    for run in runs.values():
        common.time_calls(*run, 1)  # compile
    times = {"env": float("inf"), **{name: float("inf") for name in runs}}
    for _ in range(args.repeats):  # interleaved: all see the same machine load and episode phase
        times["env"] = min(times["env"], common.time_calls(*env_run, args.steps))
        for name, run in runs.items():
            times[name] = min(times[name], common.time_calls(*run, args.steps))
    share = f"{times['scan'] / times['env']:>10.1%}" if "scan" in times else f"{'-':>10}"
    print(
        f"{task:>9} {backend:>8} {num_envs:>8} {num_envs / times['env']:>12,.0f} "
        f"{num_envs / times['bare']:>13,.0f} {times['env'] / times['bare']:>14.2f} {share}",
        flush=True,
    )
    env.close()
    return num_envs / times["env"], num_envs / times["bare"]


if __name__ == "__main__":
    main()
