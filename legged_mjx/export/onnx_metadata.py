"""ONNX metadata under mjlab's keys (mjlab.rl.exporter_utils.get_base_metadata), written into an
exported policy.onnx, and read back.

mjlab's keys and formats (metadata_props are strings; lists are comma-separated, numbers with three
decimals, names as they are):

    run_path            the run (here: its folder name)
    joint_names         policy joint order (actions and joint observations)
    joint_stiffness     PD stiffness per joint, N m/rad
    joint_damping       PD damping per joint, N m s/rad
    default_joint_pos   rad per joint (the action offset: mjlab's use_default_offset)
    command_names       the command terms
    observation_names   the policy's observation terms, in order
    action_scale        one number, or one per joint

mjlab's schema has no observation scales or clips, no policy period and no command ranges, so
these keys alone do not describe a policy that scales its observations. This project adds one key
of its own, DEPLOY_YAML_KEY, holding the exact text of the params/deploy.yaml written beside it;
mjlab's readers ignore it, sim2sim reads it (legged_mjx/sim2sim/exports/onnx_metadata.py).
"""

import onnx

from legged_mjx.errors import UserError
from legged_mjx.export.deploy_yaml import VELOCITY_COMMAND, VELOCITY_SLOTS, per_joint
from legged_mjx.files import atomic_write

DEPLOY_YAML_KEY = "deploy_yaml"
MJLAB_KEYS = ("run_path", "joint_names", "joint_stiffness", "joint_damping", "default_joint_pos", "command_names",
              "observation_names", "action_scale")  # fmt: skip


def csv(values) -> str:
    """mjlab's list format: comma-separated, numbers with three decimals, strings as they are."""
    return ",".join(f"{v:.3f}" if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v) for v in values)


def command_terms(command_names: list) -> list:
    """The command terms of a task's command slots: the velocity slots are one term, base_velocity."""
    terms = []
    for name in command_names:
        term = VELOCITY_COMMAND if name in VELOCITY_SLOTS else name
        if term not in terms:
            terms.append(term)
    return terms


def mjlab_metadata(task, run_path: str) -> dict:
    """mjlab's metadata of a JointPositionTask, as the strings mjlab writes."""
    env, names = task.cfg.env, list(task.cfg.env.joint_names)
    scale = env.action_scale
    values = {
        "run_path": run_path,
        "joint_names": names,
        "joint_stiffness": per_joint(env.kp, len(names)),
        "joint_damping": per_joint(env.kd, len(names)),
        "default_joint_pos": [float(env.default_joint_pos[n]) for n in names],
        "command_names": command_terms(task.cfg.command.names),
        "observation_names": [t.name for t in task.cfg.obs.groups["policy"]],
        "action_scale": list(scale) if isinstance(scale, (list, tuple)) else float(scale),
    }
    return {key: csv(value) if isinstance(value, list) else str(value) for key, value in values.items()}


def attach_metadata(onnx_path: str, metadata: dict) -> None:
    """Write `metadata` ({key: str}) into the model's metadata_props, replacing entries of the same
    keys and keeping others; the file is rewritten atomically."""
    model = onnx.load(onnx_path)
    kept = [(p.key, p.value) for p in model.metadata_props if p.key not in metadata]
    del model.metadata_props[:]
    for key, value in [*kept, *metadata.items()]:
        model.metadata_props.add(key=key, value=value)
    atomic_write(onnx_path, lambda handle: handle.write(model.SerializeToString()))


def read_metadata(onnx_path: str) -> dict:
    """{key: value} of an ONNX model's metadata_props; an unreadable file is a UserError."""
    try:
        model = onnx.load(onnx_path, load_external_data=False)
    except Exception as error:  # noqa: BLE001 - an unreadable model is the user's input problem
        raise UserError(f"cannot read ONNX model {onnx_path}: {' '.join(str(error).split())}") from None
    return {p.key: p.value for p in model.metadata_props}
