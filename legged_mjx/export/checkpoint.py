"""Deploy files for any checkpoint of a run: its policy files (exported/policy.pt, policy.onnx with
metadata) and params/deploy.yaml, from the run's saved task configuration (cfgs.pkl)."""

import os

from legged_mjx.config import load_sections
from legged_mjx.export import export_deploy_files
from legged_mjx.export.policy_files import export_policy
from legged_mjx.tasks import make_task, task_config
from legged_mjx.run_folders import run_configs_of
from legged_mjx.training import Runner
from legged_mjx.vecenv import LeggedVecEnv


def default_folder(checkpoint: str) -> str:
    """<run>/export_<name>: beside the run's own exported/ and params/, never over them."""
    run = os.path.dirname(os.path.abspath(checkpoint))
    return os.path.join(run, f"export_{os.path.splitext(os.path.basename(checkpoint))[0]}")


def export_checkpoint(checkpoint: str, folder: str) -> list:
    """Write <folder>/exported/policy.pt, policy.onnx and <folder>/params/deploy.yaml for
    `checkpoint` (a model_<it>.pt of this project, its run's cfgs.pkl beside it); returns what to
    tell the user. rsl_rl's exporters need a runner, so one environment of the run's task is built."""
    saved = run_configs_of(checkpoint)
    task = make_task(saved["task"], load_sections(task_config(saved["task"]), saved))
    runner = Runner(LeggedVecEnv(task, 1, "cpu"), saved["train"], log_dir=None, device="cpu")
    runner.load_checkpoint(checkpoint)
    exported = export_policy(runner, folder)
    run = os.path.basename(os.path.dirname(os.path.abspath(checkpoint)))
    name = f"{run}/{os.path.basename(checkpoint)}"
    return [f"exported {name} (task {saved['task']}) to {exported}", *export_deploy_files(folder, task, name)]
