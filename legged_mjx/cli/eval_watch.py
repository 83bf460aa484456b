"""Judge every checkpoint of a training run as it appears: sim2sim's evaluation of the run's own
task (its default sweep, optionally perturbation sets), scores in the run's TensorBoard under Eval/
at the checkpoint's iteration, reports in <run>/eval/<it>/, and <run>/best.pt linked to the best.

    python eval_watch.py logs/go2-ppo-dynaflow/<run>             # beside training; ends when it does
    python eval_watch.py logs/go2-ppo-dynaflow/<run> --once      # what is there now, then exit
    python eval_watch.py logs/go2-ppo-dynaflow/<run> --every 5 --perturb standard
    python train_ppo.py --device cpu --num_envs 512 --max_iterations 700 --eval_every 100   # starts it

It evaluates each checkpoint once, also across restarts (<run>/eval/state.json); a checkpoint being
written is never read (saves are atomic). It runs on one thread at a lower priority (--threads,
--nice) so that training beside it keeps its pace. A run that logs to W&B (train_ppo.py --logger
wandb) also gets the Eval/ scalars in W&B (--logger). Details and measurements: docs/eval_watch.md.
"""

import os

from legged_mjx.backends import BACKENDS
from legged_mjx.cli import ArgumentParser, at_least, load_mujoco
from legged_mjx.errors import UserError, exit_on_user_error


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__)
    parser.add_argument("run_dir", help="a run folder of train_ppo.py: logs/<exp>/<run> (with cfgs.pkl)")
    watching = parser.add_argument_group("watching")
    watching.add_argument("--every", type=int, default=1, help="evaluate one checkpoint in K (the final one always)")
    watching.add_argument("--once", action="store_true", help="evaluate the checkpoints there now, then exit")
    watching.add_argument("--poll", type=float, default=10.0, help="seconds between looks at the folder")
    watching.add_argument("--follow", type=int, default=None, metavar="PID", help="also stop when this process ends")
    watching.add_argument("--threads", type=int, default=1, help="CPU threads for physics and the policy")
    watching.add_argument("--nice", type=int, default=10, help="added to the process niceness (0: as started)")
    watching.add_argument(
        "--logger", default="auto", choices=["auto", "tensorboard", "wandb"], help="auto: the run's own logger"
    )
    evaluation = parser.add_argument_group("evaluation (as sim2sim.py --checkpoint)")
    evaluation.add_argument("--num_envs", type=int, default=120, help="environments, spread over the sweep rows")
    evaluation.add_argument("--duration", type=float, default=20.0, help="simulated seconds per environment")
    evaluation.add_argument("--settle", type=float, default=2.0, help="seconds before metrics count")
    evaluation.add_argument("--sweep", nargs="+", default=None, metavar="ITEM", help="default: the task's sweep")
    evaluation.add_argument("--perturb", action="append", default=[], metavar="SET", help="e.g. standard, push=1")
    evaluation.add_argument("--threshold", action="append", default=[], metavar="NAME=VALUE")
    evaluation.add_argument("--seed", type=int, default=0)
    evaluation.add_argument("--device", default="cpu", help="cpu or cuda:N")
    evaluation.add_argument("--backend", default="auto", choices=BACKENDS, help="auto: mujoco on a CPU, mjx on CUDA")
    args = parser.parse_args(argv)
    at_least(args, 1, "every", "threads", "num_envs")
    at_least(args, 0, "nice")
    if not args.poll > 0:
        raise UserError(f"--poll must be > 0, got {args.poll}")
    return args


def limit_threads(threads: int) -> None:
    """At most `threads` CPU threads for numpy, torch and XLA: these settings take effect only
    before those libraries load, so this runs before the job's imports."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(name, str(threads))
    if threads == 1:
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} --xla_cpu_multi_thread_eigen=false".strip()


@exit_on_user_error
def main(argv=None) -> None:
    args = parse_args(argv)
    limit_threads(args.threads)
    load_mujoco()
    from legged_mjx.jobs import eval_watch

    eval_watch.run(args, argv)


if __name__ == "__main__":
    main()
