"""The task and configs a policy file comes with: the cfgs.pkl of its run (beside a model_<it>.pt,
or one folder up from an exported/ policy), else the defaults of the task the user names; the
policy itself, checked against that task; and held commands (what play.py and
collect_trajectories.py share). Domain randomisation is switched off: a trained policy is watched
and recorded on the nominal robot."""

import os

from legged_mjx.config import load_sections
from legged_mjx.domain_rand import DomainRandCfg
from legged_mjx.errors import UserError
from legged_mjx.obs_layout import check_policy_fits
from legged_mjx.policies import Policy, load_policy
from legged_mjx.run_folders import has_run_configs, run_configs_of, run_folder
from legged_mjx.tasks import task_config


def run_config(checkpoint: str, task: str | None) -> tuple:
    """(task name, task config without domain randomisation, train config) of the run a policy comes
    from, or --task's defaults."""
    if not os.path.isfile(checkpoint):
        raise UserError(f"checkpoint not found: {checkpoint}")
    if not has_run_configs(checkpoint):
        if task is None:
            raise UserError(f"no cfgs.pkl beside {checkpoint}: pass --task to use a task's default configuration")
        return task, task_config(task), {}
    saved = run_configs_of(checkpoint)
    if task is not None and task != saved["task"]:
        raise UserError(
            f"--task {task} does not match the run's task '{saved['task']}' ({run_folder(checkpoint)}/cfgs.pkl)"
        )
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


def command_rows(cfg, rows: list) -> list:
    """--command rows made whole: each gives the first slots of the task's command (go2: lin_vel_x
    lin_vel_y ang_vel_z height jump), the slots it leaves out take the middle of their training ranges."""
    names, ranges = cfg.command.names, cfg.command.ranges
    whole = []
    for row in rows:
        if not 1 <= len(row) <= len(names):
            raise UserError(f"--command takes 1 to {len(names)} values ({' '.join(names)}), got {len(row)}")
        whole.append([float(v) for v in row] + [(ranges[n][0] + ranges[n][1]) / 2 for n in names[len(row) :]])
    return whole


def fix_commands(cfg, rows: list) -> None:
    """Hold command rows (whole, see command_rows): environment i follows row i % len(rows)."""
    cfg.command.table = command_rows(cfg, rows)
