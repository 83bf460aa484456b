"""What to evaluate: a policy file with a conventions file (a Go2 policy: isaac_go2.py), or one of
this project's checkpoints with its run's task and saved config. Either way: a Policy, the task it
runs under and that task's config."""

import os
from dataclasses import dataclass, field

from legged_mjx.config import load_sections, to_dict
from legged_mjx.errors import UserError
from legged_mjx.policies import Policy, load_policy
from legged_mjx.run_config import actor_activation
from legged_mjx.sim2sim.exports.conventions import PROFILE_TAG, Conventions, from_profile, to_profile
from legged_mjx.sim2sim.exports.deploy_yaml import from_deploy_yaml, is_deploy_yaml
from legged_mjx.sim2sim.exports.facts import load_yaml
from legged_mjx.sim2sim.exports.isaac_env_yaml import from_isaac_env_yaml, is_isaac_env_yaml
from legged_mjx.sim2sim.isaac_go2 import TASK, to_task_cfg
from legged_mjx.task import TaskCfg
from legged_mjx.tasks import task_config
from legged_mjx.training import run_configs_of


@dataclass
class Source:
    policy: Policy
    task: str  # the project task it runs under (legged_mjx.tasks.TASKS)
    task_cfg: TaskCfg
    kind: str  # "isaac_env_yaml" | "deploy_yaml" | "profile" | "checkpoint"
    path: str  # the conventions file, or the run's cfgs.pkl
    conventions: dict  # what the report shows: a profile dict, or the run's task config
    notes: list = field(default_factory=list)
    assumptions: list = field(default_factory=list)  # facts the conventions file does not state


def read_conventions(path: str, sim_dt: float | None = None) -> tuple[str, Conventions]:
    """(kind, Conventions) of an Isaac Lab env.yaml, a deploy.yaml or a sim2sim profile; `sim_dt`
    (s) supplies a deploy.yaml's physics step (the other formats state theirs)."""
    data = load_yaml(path)
    profile = data.get("profile") == PROFILE_TAG
    if sim_dt is not None and (profile or not is_deploy_yaml(data)):
        raise UserError(f"{path}: --sim_dt applies to a deploy.yaml only (profiles and env.yaml state their step)")
    if profile:
        return "profile", from_profile(data, path)
    if is_deploy_yaml(data):
        return "deploy_yaml", from_deploy_yaml(data, path, sim_dt)
    if is_isaac_env_yaml(data):
        return "isaac_env_yaml", from_isaac_env_yaml(data, path)
    raise UserError(
        f"{path}: not a conventions file (expected an Isaac Lab params/env.yaml, a deploy.yaml with joint_ids_map,"
        f" or a profile with 'profile: {PROFILE_TAG}')"
    )


def from_policy_file(policy_path: str, config_path: str, device: str = "cpu", sim_dt: float | None = None) -> Source:
    kind, conv = read_conventions(config_path, sim_dt)
    policy = load_policy(policy_path, device=device, action_dim=len(conv.joint_names))
    profile = to_profile(conv)
    return Source(policy, TASK, to_task_cfg(conv), kind, config_path, profile, list(conv.notes), list(conv.assumptions))


def from_checkpoint(checkpoint: str, device: str = "cpu") -> Source:
    """A model_<it>.pt of this project with its run's task and the exact task config saved beside it
    (cfgs.pkl)."""
    saved = run_configs_of(checkpoint)
    if "task" not in saved:
        raise UserError(f"{checkpoint}: the run's cfgs.pkl names no task")
    cfg = load_sections(task_config(saved["task"]), saved)
    policy = load_policy(checkpoint, device=device, activation=actor_activation(saved.get("train", {})))
    path = os.path.join(os.path.dirname(os.path.abspath(checkpoint)), "cfgs.pkl")
    return Source(policy, saved["task"], cfg, "checkpoint", path, to_dict(cfg))
