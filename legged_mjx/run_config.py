"""The task and configs a policy file comes with: the cfgs.pkl of its run (beside a model_<it>.pt,
or one folder up from an exported/ policy), else the defaults of the task the user names; and the
policy itself, checked against that task (what play.py and collect_trajectories.py share). Domain
randomisation is switched off: a trained policy is watched and recorded on the nominal robot."""

import os

from legged_mjx.config import load_sections
from legged_mjx.domain_rand import DomainRandCfg
from legged_mjx.errors import UserError
from legged_mjx.obs_layout import check_policy_fits
from legged_mjx.policies import Policy, load_policy
from legged_mjx.tasks import TASKS, task_config
from legged_mjx.training import run_configs_of


def add_policy_arguments(parser) -> None:
    """--checkpoint (the policy to run) and --task (its task when no cfgs.pkl comes with it)."""
    parser.add_argument("--checkpoint", required=True, help="model_<it>.pt of a run, or a TorchScript/ONNX policy")
    parser.add_argument("--task", default=None, help=f"{', '.join(TASKS)} (when no cfgs.pkl comes with the policy)")


def run_config(checkpoint: str, task: str | None) -> tuple:
    """(task name, task config without domain randomisation, train config) of the run a policy comes
    from, or --task's defaults."""
    if not os.path.isfile(checkpoint):
        raise UserError(f"checkpoint not found: {checkpoint}")
    folder = run_folder(checkpoint)
    if not os.path.isfile(os.path.join(folder, "cfgs.pkl")):
        if task is None:
            raise UserError(f"no cfgs.pkl beside {checkpoint}: pass --task to use a task's default configuration")
        return task, task_config(task), {}
    saved = run_configs_of(os.path.join(folder, os.path.basename(checkpoint)))
    if task is not None and task != saved["task"]:
        raise UserError(f"--task {task} does not match the run's task '{saved['task']}' ({folder}/cfgs.pkl)")
    cfg = load_sections(task_config(saved["task"]), saved)
    cfg.domain_rand = DomainRandCfg()
    return saved["task"], cfg, saved.get("train", {})


def actor_activation(train: dict) -> str:
    """The actor's activation in a run's train config (rsl_rl's default elu)."""
    return train.get("actor", {}).get("activation", "elu")


def run_policy(checkpoint: str, train: dict, task_name: str, task, device: str) -> Policy:
    """The policy in `checkpoint` on `device` (an rsl_rl checkpoint's actor with the run's activation,
    rsl_rl's default elu), which must map the task's policy observation to its actions."""
    policy = load_policy(checkpoint, device, actor_activation(train))
    check_policy_fits(policy, task_name, task)
    return policy


def run_folder(checkpoint: str) -> str:
    """The run folder of a policy file: its own folder, or the parent of exported/ when that holds cfgs.pkl."""
    folder = os.path.dirname(os.path.abspath(checkpoint))
    parent = os.path.dirname(folder)
    if os.path.isfile(os.path.join(folder, "cfgs.pkl")) or os.path.basename(folder) != "exported":
        return folder
    return parent if os.path.isfile(os.path.join(parent, "cfgs.pkl")) else folder


def fix_commands(cfg, rows: list) -> None:
    """Hold command rows (each with every command slot): environment i follows row i % len(rows)."""
    names = cfg.command.names
    for row in rows:
        if len(row) != len(names):
            raise UserError(f"--command needs {len(names)} values ({' '.join(names)}), got {len(row)}")
    cfg.command.table = [list(row) for row in rows]
