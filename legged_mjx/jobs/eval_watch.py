"""What eval_watch.py does once its arguments are valid (legged_mjx/cli/eval_watch.py): read the
run's configs, build the judge (sim2sim's evaluation of the run's task), open the sinks
(TensorBoard, W&B) and watch the run folder (legged_mjx/eval_watch/)."""

import os
import shlex
import sys

import torch

from legged_mjx.backends import resolve_backend
from legged_mjx.errors import UserError
from legged_mjx.eval_watch.judge import Judge
from legged_mjx.eval_watch.sinks import TensorBoardSink, WandbSink
from legged_mjx.eval_watch.state import WatchState
from legged_mjx.eval_watch.watch import Options, Watcher
from legged_mjx.run_folders import run_configs_of
from legged_mjx.sim2sim.settings import EvalSettings
from legged_mjx.sim2sim.verdict import parse_thresholds


def run_configs(run_dir: str) -> dict:
    """The run's cfgs.pkl (task, configs, train)."""
    if not os.path.isfile(os.path.join(run_dir, "cfgs.pkl")):
        what = "has no cfgs.pkl: not a run folder of train_ppo.py" if os.path.isdir(run_dir) else "not found"
        raise UserError(f"run folder {run_dir} {what}")
    return run_configs_of(os.path.join(run_dir, "cfgs.pkl"))


def open_sinks(args, run_dir: str, train: dict, state: WatchState) -> list:
    """TensorBoard always; W&B with --logger wandb, or auto for a run that logged to W&B."""
    sinks = [TensorBoardSink(run_dir)]
    if args.logger == "wandb" or (args.logger == "auto" and train.get("logger") == "wandb"):
        sinks.append(WandbSink(run_dir, train.get("wandb_project"), state.wandb_id))
    return sinks


def run(args, argv=None) -> None:
    """Watch and judge as the validated `args` say."""
    run_dir = os.path.normpath(args.run_dir)
    saved = run_configs(run_dir)
    settings = EvalSettings(
        num_envs=args.num_envs,
        duration_s=args.duration,
        settle_s=args.settle,
        seed=args.seed,
        backend=resolve_backend(args.backend, args.device),
        device=args.device,
        threads=args.threads,
    )
    judge = Judge(saved, settings, args.sweep, args.perturb, parse_thresholds(args.threshold))
    state = WatchState.load(os.path.join(run_dir, "eval", "state.json"), judge.spec)
    os.nice(args.nice)
    torch.set_num_threads(args.threads)
    command_line = shlex.join(["python", "eval_watch.py", *(sys.argv[1:] if argv is None else argv)])
    options = Options(args.every, args.once, args.follow, args.poll, command_line)
    sinks = open_sinks(args, run_dir, saved["train"], state)
    log = lambda line: print(f"[eval_watch] {line}", flush=True)  # noqa: E731
    log(f"watching {run_dir}: {len(state.evaluated)} checkpoints evaluated before, best {state.best}")
    try:
        Watcher(run_dir, judge, state, sinks, saved["train"]["save_interval"], options, log).run()
    finally:
        for sink in sinks:
            sink.close()
