"""Sim-to-sim check of a velocity policy: run it over a batch of environments on a physics backend
(native MuJoCo, MJX or MJX-Warp) through a sweep of commands and optional perturbations, and write
a report. Exports (--policy with --config, or an ONNX with metadata) run on the robot they are for
(go2, g1, or --robot path/robot.yaml; docs/robots.md), on its MJCF or on yours (--xml-path); this
project's checkpoints (--checkpoint) run under their own task and saved config.

    python sim2sim.py --policy exported/policy.pt --config params/env.yaml --out reports/go2
    python sim2sim.py --policy policy.onnx --config deploy.yaml --num_envs 256 --duration 20 --out reports/x
    python sim2sim.py --policy exported/policy.onnx          # conventions from the ONNX metadata (mjlab's keys)
    python sim2sim.py --policy g1/policy.onnx --config g1/deploy.yaml --xml-path my_g1/scene.xml
    python sim2sim.py --checkpoint logs/go2-ppo-dynaflow/<run>/model_1000.pt --backend mujoco --num_envs 32
    python sim2sim.py --checkpoint logs/go2-ppo-dynaflow/<run>/      # the run's newest model_<it>.pt
    python sim2sim.py ... --perturb standard --perturb friction=0.5,mass=1.2 --video
    python sim2sim.py ... --terrain standard                  # terrain limits per type (docs/sim2sim_terrain.md)
    python sim2sim.py ... --terrain flat stairs_up:0.05-0.2 rough:0.02-0.1 --terrain_levels 4

--config: an Isaac Lab run's params/env.yaml, a deploy.yaml exported beside the policy, or a
sim2sim profile (every report writes one: conventions.yaml); without it an ONNX policy's metadata
(mjlab's keys, or this project's exports) gives them. --checkpoint: this project's
model_<it>.pt or run folder, run with the task and config saved beside it. The console shows the
assumptions made where the conventions are silent and, for a FAIL, each failing check with its
value, its limit and, for a missing value ("-"), why it is missing. Writes <out>/report.json, summary.md,
tracking.png, falls.png, conventions.yaml (task_config.yaml for a checkpoint) and, with --video,
video.webp; with --terrain, terrain.png (fall rate per type and level) and each type's terrain
limit in report.json and summary.md. Exit status: 0 verdict pass, 1 verdict fail, 2 bad input.
"""

from legged_mjx.backends import add_backend_arguments, resolve_backend
from legged_mjx.cli import ArgumentParser, device_name, existing_file, load_mujoco
from legged_mjx.errors import UserError, exit_on_user_error
from legged_mjx.run_folders import resolve_checkpoint
from legged_mjx.sim2sim.settings import EvalSettings
from legged_mjx.sim2sim.sweep import DEFAULT_SWEEP
from legged_mjx.sim2sim.terrain_sweep import DEFAULT_LEVELS, SIZE, TYPES as TERRAIN_TYPES, parse_terrain
from legged_mjx.sim2sim.verdict import parse_thresholds


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__)
    what = parser.add_argument_group("what to evaluate (--policy with --config or ONNX metadata, or --checkpoint)")
    what.add_argument("--policy", help="TorchScript .pt, ONNX .onnx or rsl_rl checkpoint .pt")
    what.add_argument("--config", help="params/env.yaml, deploy.yaml or a sim2sim profile")
    what.add_argument("--checkpoint", help="this project's logs/<exp>/<run>/model_<it>.pt (uses the run's cfgs.pkl)")
    what.add_argument(
        "--sim_dt",
        type=float,
        default=None,
        help="physics timestep, s (default: the --xml-path model's, else the export's; a deploy.yaml without one:"
        " the robot's Isaac Lab step, 0.005)",
    )
    what.add_argument(
        "--robot",
        default=None,
        help="the export's robot: go2, g1 or a robot.yaml (default: recognised from the export's joints)",
    )
    what.add_argument(
        "--xml-path",
        dest="xml_path",
        default=None,
        help="run on this MJCF scene of the robot (joints matched by name; actuators and foot sensors fitted)",
    )
    run = parser.add_argument_group("run")
    run.add_argument("--num_envs", type=int, default=256)
    run.add_argument("--duration", type=float, default=20.0, help="simulated seconds per environment")
    run.add_argument("--settle", type=float, default=2.0, help="seconds before metrics count")
    run.add_argument("--device", default="cpu", help="cpu or cuda:N (the policy and, with mjx, the physics)")
    add_backend_arguments(run)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument(
        "--sweep",
        nargs="+",
        default=None,
        metavar="ITEM",
        help=f"default: from the task's command ranges (Go2: {' '.join(DEFAULT_SWEEP)})",
    )
    run.add_argument(
        "--terrain",
        nargs="+",
        default=None,
        metavar="TYPE[:LO-HI]",
        help="terrain sweep: types with a range of their quantity, or standard"
        f" ({', '.join(TERRAIN_TYPES)}; docs/sim2sim_terrain.md)",
    )
    run.add_argument("--terrain_levels", type=int, default=DEFAULT_LEVELS, help="levels per terrain type")
    run.add_argument(
        "--terrain_start",
        type=float,
        default=0.0,
        metavar="M",
        help="start M metres out along +x from each sub-terrain's centre, on the feature (default 0: the centre)",
    )
    run.add_argument(
        "--perturb",
        action="append",
        default=[],
        metavar="SET",
        help="push=1 | friction=0.5,mass=1.2 | gain=0.8 | standard (the sets that apply to the task)",
    )
    run.add_argument("--push_interval", type=float, default=4.0, help="seconds between pushes")
    run.add_argument(
        "--fall_tilt",
        type=float,
        default=None,
        help="widen a tilt termination (Go2's) to |roll|, |pitch| (deg; default: the robot's, 45)",
    )
    run.add_argument(
        "--fall_height",
        type=float,
        default=None,
        help="base height (m) below which it fell (default: the robot's; 0.15)",
    )
    run.add_argument("--init_noise", type=float, default=0.1, help="start joint angles: default + uniform(+-noise) rad")
    out = parser.add_argument_group("output")
    out.add_argument("--out", default=None, help="report folder (default reports/sim2sim-<date_time>)")
    out.add_argument("--threshold", action="append", default=[], metavar="NAME=VALUE", help="override a threshold")
    out.add_argument("--video", action="store_true", help="video.webp of one environment per sweep row (needs OpenGL)")
    out.add_argument("--video_envs", type=int, default=4, help="how many rows the video shows")
    args = parser.parse_args(argv)
    args.settings = EvalSettings(
        num_envs=args.num_envs,
        duration_s=args.duration,
        settle_s=args.settle,
        seed=args.seed,
        backend=resolve_backend(args.backend, args.device),
        device=args.device,
        push_interval_s=args.push_interval,
        fall_tilt_deg=args.fall_tilt,
        fall_height=args.fall_height,
        init_joint_noise=args.init_noise,
        video_envs=args.video_envs if args.video else 0,
        threads=args.threads,
    )
    args.settings.validate()
    if args.video and args.video_envs < 1:
        raise UserError(f"--video_envs must be >= 1 with --video, got {args.video_envs}")
    args.thresholds = parse_thresholds(args.threshold)
    if args.terrain:
        parse_terrain(args.terrain, args.terrain_levels)  # a bad item is reported before anything loads
    if not abs(args.terrain_start) < SIZE / 2:  # NaN fails too
        half = SIZE / 2
        raise UserError(f"--terrain_start must lie inside the sub-terrain (|M| < {half:g} m), got {args.terrain_start}")
    device_name(args.device)
    existing_file(args.xml_path, "model file")
    if args.checkpoint:
        if args.policy or args.config or args.sim_dt is not None or args.robot:
            raise UserError("give --checkpoint alone (and --xml-path), or --policy with --config")
        args.checkpoint = resolve_checkpoint(args.checkpoint)
    elif not args.policy or not (args.config or args.policy.endswith(".onnx")):
        raise UserError(
            "give --policy with --config (its conventions), an ONNX --policy with metadata, or --checkpoint"
        )
    return args


@exit_on_user_error
def main(argv=None) -> int:
    """The exit status: 0 verdict pass, 1 verdict fail (2, bad input, from exit_on_user_error)."""
    args = parse_args(argv)
    load_mujoco(headless_rendering=args.video)
    from legged_mjx.jobs import sim2sim

    return sim2sim.run(args, argv)
