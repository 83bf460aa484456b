"""What a deploy tool needs beside an exported policy: `params/deploy.yaml` (unitree_rl_lab's
schema, deploy_yaml.py) and mjlab's metadata in `exported/policy.onnx` (onnx_metadata.py), both
written from the task the policy was trained on.

A policy folder then looks like unitree_rl_lab's and Isaac Lab's run folders:

    <folder>/exported/policy.pt, policy.onnx (with metadata)
    <folder>/params/deploy.yaml

train_ppo.py writes them into the run folder at the end of training; scripts/export_policy.py
writes them for any checkpoint.
"""

import os

import yaml

from legged_mjx.export.deploy_yaml import deploy_config, deploy_problems, sdk_joint_order
from legged_mjx.export.onnx_metadata import DEPLOY_YAML_KEY, attach_metadata, mjlab_metadata
from legged_mjx.files import atomic_write
from legged_mjx.tasks.joint_position import JointPositionEnvCfg

__all__ = ["deploy_yaml_text", "export_deploy_files", "unsupported_reason"]


def unsupported_reason(task) -> str | None:
    """Why a task gets no deploy files (None: it gets them): deploy.yaml needs a joint-position
    robot whose Unitree SDK motor order is known."""
    if not isinstance(task.cfg.env, JointPositionEnvCfg):
        return "its actions are not joint-position targets with PD gains"
    if sdk_joint_order(task.cfg.env.joint_names) is None:
        return "its joints are not a Unitree robot's whose SDK motor order this project knows (the Go2's)"
    return None


def _header(task, name: str, problems: list) -> list:
    order = ", ".join(task.cfg.env.joint_names)
    lines = [
        f"deploy.yaml of {name}, written by legged_mjx (legged_mjx/export) from the run's task configuration.",
        f"Policy joint order: {order}.",
        "joint_ids_map[i] = Unitree SDK motor index (legs FR, FL, RR, RL; hip, thigh, calf) of policy joint i.",
    ]
    if problems:
        lines += [
            "NOT DEPLOYABLE AS IS: " + "; ".join(problems) + ".",
            "unitree_rl_lab's and unitree_rl_mjlab's controllers cannot run it, nor can sim2sim.py --config;",
            "it records the policy's interface. Evaluate the policy with sim2sim.py --checkpoint <run>/model_<it>.pt.",
        ]
    else:
        lines += [
            "Runs on unitree_rl_lab's Go2 controller and unitree_rl_mjlab's (this schema), and in",
            "sim2sim.py --policy exported/policy.onnx --config params/deploy.yaml.",
        ]
    return [f"# {line}" for line in lines]


def deploy_yaml_text(task, name: str) -> str:
    """The deploy.yaml of `task` with a header comment naming the run, the joint order and which
    tools can run it (deploy_problems)."""
    body = yaml.safe_dump(deploy_config(task), sort_keys=False, default_flow_style=None, width=1000)
    return "\n".join([*_header(task, name, deploy_problems(task)), body])


def export_deploy_files(folder: str, task, name: str) -> list:
    """Write <folder>/params/deploy.yaml and the metadata of <folder>/exported/policy.onnx (which
    must exist); returns what to tell the user (where the files went, why they are not deployable,
    or why the task gets none)."""
    reason = unsupported_reason(task)
    if reason:
        return [f"no deploy.yaml or ONNX metadata for task {name}: {reason}"]
    text = deploy_yaml_text(task, name)
    path = os.path.join(folder, "params", "deploy.yaml")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    atomic_write(path, lambda handle: handle.write(text.encode()))
    onnx_path = os.path.join(folder, "exported", "policy.onnx")
    attach_metadata(onnx_path, {**mjlab_metadata(task, name), DEPLOY_YAML_KEY: text})
    notes = [f"wrote {path} and the mjlab metadata of {onnx_path}"]
    problems = deploy_problems(task)
    if problems:
        notes.append(f"{path} is NOT deployable as is: {'; '.join(problems)} (evaluate with sim2sim.py --checkpoint)")
    return notes
