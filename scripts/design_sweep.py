"""Evaluate one BALLU policy over a grid of designs: speed achieved, cost of transport and falls per
design, as a table (Markdown), JSON and a plot (legged_mjx/design_sweep.py; docs/ballu_morphology.md).

    python scripts/design_sweep.py --checkpoint logs/ballu-morph-policy/<run>/model_299.pt \
        --femur_length 0.35 0.50 4 --tibia_length 0.29 0.45 4 --vx 0.25 --out reports/design_sweep
    python scripts/design_sweep.py --checkpoint <run>/exported/policy.pt --designs nominal fl_0.40 long_legs_0.9m \
        --spcf 0.003 0.008 --GCR 0.80 0.86

Every design x spcf x GCR runs --envs_per_design environments in one batch, on the run's own task
config (the policy must fit its observations: a policy that reads the morphology vector sees each
design's). --spcf and --GCR default to the run's config values.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from legged_mjx.cli import ArgumentParser, at_least, existing_file  # noqa: E402
from legged_mjx.errors import UserError, exit_on_user_error  # noqa: E402
from legged_mjx.files import atomic_write  # noqa: E402


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__)
    parser.add_argument("--checkpoint", required=True, help="model_<it>.pt of a run, or its exported policy")
    parser.add_argument("--task", default=None, help="the policy's task when no cfgs.pkl comes with it")
    grid = parser.add_argument_group("designs (a grid of lengths, or named designs)")
    grid.add_argument("--femur_length", type=float, nargs=3, default=[0.35, 0.50, 4], metavar=("LO", "HI", "N"))
    grid.add_argument("--tibia_length", type=float, nargs=3, default=[0.29, 0.45, 4], metavar=("LO", "HI", "N"))
    grid.add_argument("--designs", nargs="+", default=None, metavar="NAME", help="named designs instead of the grid")
    grid.add_argument("--spcf", type=float, nargs="+", default=None, help="knee spring coefficients (N m/rad)")
    grid.add_argument("--GCR", type=float, nargs="+", default=None, help="gravity compensation ratios")
    run = parser.add_argument_group("evaluation")
    run.add_argument("--vx", type=float, default=0.25, help="forward velocity command (m/s)")
    run.add_argument("--envs_per_design", type=int, default=8)
    run.add_argument("--duration", type=float, default=20.0, help="seconds per episode")
    run.add_argument("--fall_tilt", type=float, default=60.0, help="balloon axis tilt (deg) beyond which it fell")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--backend", default="mujoco", choices=["mujoco", "mjx"])
    run.add_argument("--threads", type=int, default=None)
    run.add_argument("--out", default="reports/design_sweep", help="folder for design_sweep.{md,json,png}")
    args = parser.parse_args(argv)
    at_least(args, 1, "envs_per_design", "threads")
    existing_file(args.checkpoint, "checkpoint")
    for name in ("femur_length", "tibia_length"):
        lo, hi, count = getattr(args, name)
        if not (0 < lo <= hi and count >= 1 and count == int(count)):
            raise UserError(f"--{name} needs LO HI N with 0 < LO <= HI and a whole N >= 1")
    if not args.duration > 0 or not 0 < args.fall_tilt <= 180:
        raise UserError("--duration must be > 0 and --fall_tilt in (0, 180] deg")
    return args


def lengths(spec: list) -> list:
    """LO HI N -> N evenly spaced lengths (m)."""
    lo, hi, count = spec
    return [float(v) for v in np.linspace(lo, hi, int(count))]


@exit_on_user_error
def main(argv=None) -> None:
    args = parse_args(argv)
    from legged_mjx import design_sweep  # the heavy imports (jax, torch, mujoco) after the arguments are checked
    from legged_mjx.run_config import run_config, run_policy
    from legged_mjx.tasks import make_task

    task_name, cfg, train = run_config(args.checkpoint, args.task)
    if not hasattr(cfg.env, "designs"):
        raise UserError(f"task {task_name} has no designs: the design sweep is for BALLU tasks")
    spcf = args.spcf or [cfg.env.spcf]
    gcr = args.GCR or [cfg.env.GCR]
    if min(spcf) < 0 or min(gcr) <= 0:
        raise UserError("--spcf must be >= 0 and --GCR > 0")
    designs = design_sweep.grid_designs(lengths(args.femur_length), lengths(args.tibia_length), spcf, gcr, args.designs)
    settings = design_sweep.SweepSettings(
        vx=args.vx,
        envs_per_design=args.envs_per_design,
        duration_s=args.duration,
        fall_tilt_deg=args.fall_tilt,
        seed=args.seed,
        backend=args.backend,
        threads=args.threads,
    )
    task = make_task(task_name, design_sweep.sweep_config(cfg, designs, settings))
    policy = run_policy(args.checkpoint, train, task_name, task, "cpu")
    print(f"[design_sweep] {len(designs)} designs x {args.envs_per_design} environments, task {task_name}")
    rows = design_sweep.run_sweep(task, policy, settings)
    table = design_sweep.markdown(rows, settings)
    print(table)
    os.makedirs(args.out, exist_ok=True)
    design_sweep.write_json(
        rows, settings, os.path.join(args.out, "design_sweep.json"), {"checkpoint": args.checkpoint}
    )
    atomic_write(os.path.join(args.out, "design_sweep.md"), lambda handle: handle.write(table.encode()))
    title = f"{os.path.abspath(args.checkpoint)}: vx {args.vx} m/s"
    design_sweep.plot(rows, os.path.join(args.out, "design_sweep.png"), title)
    print(f"[design_sweep] wrote {args.out}/design_sweep.md, .json, .png")


if __name__ == "__main__":
    main()
