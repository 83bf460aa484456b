"""Box sub-terrains (stairs, random grid) as box geoms or rasterised into the heightfield: the env's
speed and its contacts on each physics backend, in one run.

For each representation (`terrain.generator.primitives`) and backend: go2-rough on the chosen grid
with random actions, env steps/s after a warm-up, and the contacts per environment: on the native
backend the contacts MuJoCo found (mean over the batch's states, mj_forward), on MJX the contact
slots its static collision table gives every environment (the constraint rows it solves each
substep) and how many of them touch.

    python benchmarks/bench_terrain.py --num_envs 256 --backend mujoco mjx
    python benchmarks/bench_terrain.py --num_envs 256 --backend mujoco --rows 10 --cols 20   # the full rough grid
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import legged_mjx  # noqa: F401,E402  (before jax)

import jax  # noqa: E402
import mujoco  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mujoco import mjx  # noqa: E402

from benchmarks import common  # noqa: E402
from env_wrapper import make_env  # noqa: E402
from legged_mjx.errors import exit_on_user_error  # noqa: E402
from legged_mjx.state import PHYSICS_FIELDS  # noqa: E402


def native_contacts(env) -> float:
    """Mean number of contacts MuJoCo finds at the batch's states."""
    model, data = env.mj_model, mujoco.MjData(env.mj_model)
    counts = []
    for qpos in np.asarray(env.state.physics.qpos):
        data.qpos[:] = qpos
        mujoco.mj_forward(model, data)
        counts.append(data.ncon)
    return float(np.mean(counts))


def mjx_contacts(env) -> tuple:
    """(contact slots per environment, mean of them touching) at the batch's states."""
    backend = env.batch.backend

    def forward(physics):
        data = backend.template.replace(**{n: getattr(physics, n) for n in PHYSICS_FIELDS})
        return mjx.forward(backend.model, data)._impl.contact.dist

    dist = np.asarray(jax.jit(jax.vmap(forward))(env.state.physics))
    return dist.shape[1], float((dist < 0).sum(axis=1).mean())


@exit_on_user_error
def main():
    parser = common.benchmark_parser(__doc__)
    parser.add_argument("--num_envs", type=int, default=256)
    common.add_backend_list(parser)
    parser.add_argument("--rows", type=int, default=2, help="grid rows (levels)")
    parser.add_argument("--cols", type=int, default=10, help="grid columns: the rough preset's types by proportion")
    parser.add_argument("--steps", type=int, default=20, help="control steps per timed loop")
    parser.add_argument("--repeats", type=int, default=3, help="timed loops; the best is reported")
    parser.add_argument("--warmup", type=int, default=50, help="untimed steps first (compile, landing)")
    parser.set_defaults(task="go2-rough")
    args = parser.parse_args()
    backends = common.backends_to_measure(args)
    grid = {"terrain.generator.num_rows": args.rows, "terrain.generator.num_cols": args.cols}
    print(f"machine: {common.machine()}")
    print(f"jax {jax.__version__}; mujoco {mujoco.__version__}; {args.task}, {args.rows} x {args.cols} grid")
    print(f"{'primitives':>11} {'backend':>8} {'geoms':>6} {'env steps/s':>12} {'contacts':>9} {'MJX slots':>10}")
    for primitives in ("heightfield", "boxes"):
        for backend in backends:
            overrides = {**grid, "terrain.generator.primitives": primitives}
            env = make_env(args.task, args.num_envs, args.device, seed=0, backend=backend, **overrides)
            generator = torch.Generator().manual_seed(0)
            actions = 0.3 * torch.randn(args.num_envs, env.num_actions, generator=generator)
            run = common.env_steps(env, actions)
            common.time_calls(*run, args.warmup)
            seconds = min(common.time_calls(*run, args.steps) for _ in range(args.repeats))
            slots, touching = mjx_contacts(env) if backend != "mujoco" else ("-", native_contacts(env))
            print(
                f"{primitives:>11} {backend:>8} {env.mj_model.ngeom:>6} {args.num_envs / seconds:>12,.0f} "
                f"{touching:>9.1f} {slots:>10}",
                flush=True,
            )
            env.close()


if __name__ == "__main__":
    main()
