"""What to evaluate: a policy file with a conventions file (an export: the robot its file names,
or --robot, on the robot's MJCF or the user's --xml-path), or one of this project's checkpoints
with its run's task and saved config. Either way: a Policy, the task class it runs under and that
task's config."""

import dataclasses
import os
from dataclasses import dataclass, field

from legged_mjx.config import load_sections, to_dict
from legged_mjx.errors import UserError
from legged_mjx.policies import Policy, load_policy
from legged_mjx.robots import load_robot
from legged_mjx.run_config import actor_activation
from legged_mjx.sim2sim.export_task import export_task_cfg, with_physics_step
from legged_mjx.sim2sim.exports.conventions import PROFILE_TAG, Conventions, from_profile, to_profile
from legged_mjx.sim2sim.exports.deploy_yaml import from_deploy_yaml, is_deploy_yaml
from legged_mjx.sim2sim.exports.facts import load_yaml
from legged_mjx.sim2sim.exports.isaac_env_yaml import from_isaac_env_yaml, is_isaac_env_yaml
from legged_mjx.sim2sim.exports.onnx_metadata import from_onnx_metadata
from legged_mjx.task import TaskCfg
from legged_mjx.tasks import task_class, task_config
from legged_mjx.tasks.joint_position import JointPositionTask
from legged_mjx.run_folders import run_configs_of


@dataclass
class Source:
    """What sim2sim evaluates: a policy (legged_mjx.policies.Policy: obs (N, obs_dim) float32 ->
    actions (N, action_dim)), the task it runs under and that task's TaskCfg, plus what the report
    shows about where they came from."""

    policy: Policy
    task: str  # what the report calls the task: a project task (legged_mjx.tasks.TASKS) or "<robot> export"
    task_class: type  # the LocomotionTask subclass it runs under
    task_cfg: TaskCfg
    kind: str  # "isaac_env_yaml" | "deploy_yaml" | "profile" | "onnx_deploy_yaml" | "onnx_mjlab" | "checkpoint"
    path: str  # the conventions file, or the run's cfgs.pkl
    conventions: dict  # what the report shows: a profile dict, or the run's task config
    notes: list = field(default_factory=list)
    assumptions: list = field(default_factory=list)  # facts the conventions file does not state


def read_conventions(path: str, sim_dt: float | None = None, robot: str | None = None) -> tuple[str, Conventions]:
    """(kind, Conventions) of an Isaac Lab env.yaml, a deploy.yaml or a sim2sim profile. `sim_dt`
    (s, --sim_dt) supplies a deploy.yaml's physics step or overrides any file's; `robot` (--robot:
    a shipped robot's name or a robot.yaml path) names the robot where the file does not."""
    data = load_yaml(path)
    if data.get("profile") == PROFILE_TAG:
        kind, conv = "profile", from_profile(data, path, robot)
    elif is_deploy_yaml(data):
        return "deploy_yaml", from_deploy_yaml(data, path, sim_dt, robot)
    elif is_isaac_env_yaml(data):
        kind, conv = "isaac_env_yaml", from_isaac_env_yaml(data, path, robot)
    else:
        raise UserError(
            f"{path}: not a conventions file (expected an Isaac Lab params/env.yaml, a deploy.yaml with"
            f" joint_ids_map, or a profile with 'profile: {PROFILE_TAG}')"
        )
    return kind, conv if sim_dt is None else override_sim_dt(conv, sim_dt)


def override_sim_dt(conv: Conventions, sim_dt: float) -> Conventions:
    """`conv` at physics step `sim_dt` (--sim_dt), the policy step kept; it must divide it."""
    step = conv.sim_dt * conv.decimation
    ratio = step / sim_dt if sim_dt > 0 else 0.0
    if round(ratio) < 1 or abs(ratio - round(ratio)) > 1e-6:
        raise UserError(f"--sim_dt {sim_dt:g} s does not divide the policy step {step:g} s of {conv.source}")
    note = f"sim_dt {sim_dt:g} s from --sim_dt (the file says {conv.sim_dt:g} s)"
    return dataclasses.replace(conv, sim_dt=sim_dt, decimation=int(round(ratio)), notes=[*conv.notes, note])


def from_policy_file(
    policy_path: str,
    config_path: str | None,
    device: str = "cpu",
    sim_dt: float | None = None,
    robot: str | None = None,
    xml_path: str | None = None,
) -> Source:
    """An export: the policy (TorchScript .pt, ONNX or rsl_rl checkpoint) with the conventions of
    `config_path` (params/env.yaml, deploy.yaml or a sim2sim profile: docs/sim2sim.md) or, with
    config_path None, of an ONNX policy's own metadata (mjlab's keys or this project's exports:
    exports/onnx_metadata.py, docs/export.md); on its robot's MJCF or on `xml_path` (whose own
    timestep is then the physics step unless `sim_dt` is given). Raises UserError for a missing or
    unreadable file, a missing fact (all named together), implausible metadata or an unknown robot;
    evaluate.build_task checks the policy's sizes."""
    if config_path is None:
        (kind, conv), config_path = from_onnx_metadata(policy_path, sim_dt, robot), policy_path
    else:
        kind, conv = read_conventions(config_path, sim_dt, robot)
    if xml_path is not None and sim_dt is None:
        conv = with_physics_step(conv, xml_path)
    policy = load_policy(policy_path, device=device, action_dim=len(conv.joint_names))
    cfg = export_task_cfg(conv, xml_path)
    name = f"{load_robot(conv.robot).name} export"
    return Source(
        policy, name, JointPositionTask, cfg, kind, config_path, to_profile(conv), conv.notes, conv.assumptions
    )


def from_checkpoint(checkpoint: str, device: str = "cpu", xml_path: str | None = None) -> Source:
    """A model_<it>.pt of this project with its run's task and the exact task config saved beside it
    (cfgs.pkl); `xml_path` replaces the run's MJCF."""
    saved = run_configs_of(checkpoint)
    if "task" not in saved:
        raise UserError(f"{checkpoint}: the run's cfgs.pkl names no task")
    cfg = load_sections(task_config(saved["task"]), saved)
    if xml_path is not None:
        cfg.env.xml_path = xml_path
    policy = load_policy(checkpoint, device=device, activation=actor_activation(saved.get("train", {})))
    path = os.path.join(os.path.dirname(os.path.abspath(checkpoint)), "cfgs.pkl")
    return Source(policy, saved["task"], task_class(saved["task"]), cfg, "checkpoint", path, to_dict(cfg))
