"""Train a PPO policy with rsl_rl's OnPolicyRunner on an MJX-batched task.

    python train_ppo.py --num_envs 4096 --device cuda:0             # Go2, go2_train hyperparameters
    python train_ppo.py --task ballu --num_envs 4096 --device cuda:0
    python train_ppo.py --device cpu --num_envs 64 --max_iterations 20   # small CPU run
    python train_ppo.py --resume --exp_name go2-ppo-dynaflow            # continue the newest run
    python train_ppo.py --load_run 2025-01-31_12-00-00 --checkpoint 300 --max_iterations 1000
    torchrun --nproc_per_node 2 train_ppo.py --distributed --num_envs 4096  # 4096 envs on each of 2 GPUs

Writes logs/<exp_name>/<date_time>/: model_<it>.pt, cfgs.pkl (what is read back) + cfgs.yaml (a
generated copy), TensorBoard events and, at the end, exported/policy.pt (TorchScript) and
exported/policy.onnx with mjlab's metadata, and params/deploy.yaml (unitree_rl_lab's schema;
docs/export.md). Ctrl-C saves a checkpoint. The run folder is created once everything is
built, so a failed start leaves none.

Resume (--resume, --load_run, --checkpoint): the run's saved configs give the task, the number of
environments, the device and the backend unless the flag is given. --max_iterations is the run's
total: a resume trains the iterations still missing (an interrupted run resumed with its original
command finishes at its original target; Isaac Lab counts additional iterations instead). From the
run's newest checkpoint with unchanged configs it continues in the same folder; otherwise (an older
checkpoint, --set, other flags) in a new folder whose cfgs name the checkpoint (resumed_from).

--video films the policy every --video_interval iterations into <run>/videos/train_<it>.mp4 and
TensorBoard (legged_mjx/training_video.py); it needs OpenGL offscreen (MUJOCO_GL=egl or osmesa).
Any config field can be set with --set section.field=value (sections env, obs, reward, command,
domain_rand, terrain, train; e.g. --set env.action_scale=0.25 --set train.algorithm.learning_rate=5e-4
--set terrain.generator.num_rows=5). --terrain flat|rough picks the ground (go2-rough: rough;
docs/terrain.md), before --set.
"""

import shlex

from legged_mjx.backends import add_backend_arguments
from legged_mjx.cli import ArgumentParser, at_least, device_name, existing_file, load_mujoco
from legged_mjx.errors import UserError, exit_on_user_error
from legged_mjx.run_folders import resolve_checkpoint, run_configs_of
from legged_mjx.terrain.cli import add_terrain_arguments, terrain_overrides

DEFAULT_TASK, DEFAULT_NUM_ENVS = "go2", 4096


def parse_args(argv=None):
    """The arguments, validated; on resume, completed from the run (see fill_from_run)."""
    parser = ArgumentParser(description=__doc__)
    parser.add_argument(
        "--task", default=None, help="go2 (default), go2-velocity, go2-rough, ballu, ...; on resume: the run's"
    )
    parser.add_argument("--num_envs", type=int, default=None, help="default 4096; on resume: the run's")
    parser.add_argument(
        "--max_iterations", type=int, default=None, help="the run's total iterations (default: the task's, go2 10000)"
    )
    parser.add_argument("--device", default=None, help="cuda:N or cpu (default cuda:0; on resume: the run's)")
    add_backend_arguments(parser)
    parser.add_argument("--distributed", action="store_true", help="one GPU per torchrun process (cuda:LOCAL_RANK)")
    parser.add_argument("--exp_name", default=None, help="default: <task>-ppo-dynaflow")
    parser.add_argument("--xml-path", dest="xml_path", default=None, help="another MJCF scene of the robot")
    parser.add_argument("--seed", type=int, default=None, help="seeds JAX, torch and numpy (default: the task's)")
    parser.add_argument("--logger", default="tensorboard", choices=["tensorboard", "wandb", "neptune"])
    parser.add_argument("--log_root", default="logs")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument(
        "--eval_every",
        type=int,
        default=None,
        metavar="N",
        help="judge a checkpoint every N iterations beside training (eval_watch.py; a multiple of train.save_interval)",
    )
    parser.add_argument("--eval_args", default="", help='more eval_watch.py options, e.g. "--perturb standard"')
    parser.add_argument(
        "--randomize", default=None, metavar="PRESET", help="domain randomisation preset: isaac (go2); --set adjusts it"
    )
    add_terrain_arguments(parser)
    resume = parser.add_argument_group("resume (continue a run of --exp_name under --log_root)")
    resume.add_argument("--resume", action="store_true", help="from the newest checkpoint of the newest run")
    resume.add_argument("--load_run", default=None, help="the run: its folder name, a folder path, or -1 (newest)")
    resume.add_argument(
        "--checkpoint", default=None, help="model_<it>.pt, a run folder, or an iteration of the run (-1: newest)"
    )
    ballu = parser.add_argument_group("BALLU")
    ballu.add_argument("--GCR", type=float, default=None, help="gravity compensation ratio (default 0.84)")
    ballu.add_argument("--GCR_range", type=float, nargs=2, default=None, metavar=("LO", "HI"))
    ballu.add_argument("--spcf", type=float, default=None, help="knee spring coefficient (default 0.005)")
    ballu.add_argument("--drag", type=float, default=None, help="balloon drag coefficient c_d (default 0.0)")
    video = parser.add_argument_group("video")
    video.add_argument("--video", action="store_true", help="film the policy every --video_interval iterations")
    video.add_argument("--video_interval", type=int, default=100, help="iterations between clips")
    video.add_argument("--video_length", type=int, default=200, help="control steps per clip")
    args = parser.parse_args(argv)
    at_least(args, 1, "num_envs", "max_iterations", "video_interval", "video_length", "eval_every")
    existing_file(args.xml_path, "model file")
    device_name(args.device)
    for item in args.sets:
        if "=" not in item:
            raise UserError(f"--set needs KEY=VALUE, got '{item}'")
    args.terrain_overrides = terrain_overrides(args.terrain)
    fill_from_run(args)
    check_eval_args(args)
    return args


def check_eval_args(args) -> None:
    """--eval_args must be options eval_watch.py takes (the run folder is filled in later)."""
    if args.eval_every is not None:
        from legged_mjx.cli import eval_watch

        eval_watch.parse_args(["<run>", *shlex.split(args.eval_args)])


def fill_from_run(args) -> None:
    """args.resume_from (the checkpoint to continue from, or None) and args.saved (its run's configs);
    on resume the run gives the task, environment count, device and backend that were not given."""
    args.resume_from, args.saved = None, None
    if args.resume or args.load_run is not None or args.checkpoint is not None:
        experiment = args.exp_name or f"{args.task or DEFAULT_TASK}-ppo-dynaflow"
        args.resume_from = resolve_checkpoint(args.checkpoint, args.load_run, args.log_root, experiment)
        args.saved = run_configs_of(args.resume_from)
        if args.task not in (None, args.saved["task"]):
            raise UserError(f"--task {args.task} does not match the run's task '{args.saved['task']}'")
        args.task = args.saved["task"]
        args.num_envs = args.num_envs or args.saved.get("num_envs")
        if args.device is None and not args.distributed and args.saved.get("device"):  # torchrun: cuda:LOCAL_RANK
            args.device = args.saved["device"]
            if args.backend == "auto":
                args.backend = args.saved.get("backend", "auto")
    args.task = args.task or DEFAULT_TASK
    args.num_envs = args.num_envs or DEFAULT_NUM_ENVS


@exit_on_user_error
def main(argv=None) -> None:
    args = parse_args(argv)
    load_mujoco(headless_rendering=args.video)
    from legged_mjx.jobs import train_ppo

    train_ppo.run(args)
