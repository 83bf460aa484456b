"""Loading a trained policy for inference: TorchScript, ONNX, or an rsl_rl checkpoint of any
rsl-rl-lib 2.x-5.x layout (observation normaliser included).

Every loader returns a `Policy`: a deterministic map from a (N, obs_dim) float32 torch tensor to
(N, action_dim) actions (the Gaussian mean), on the policy's device.
"""

import hashlib
import os
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

from legged_mjx.errors import UserError

ACTIVATIONS = {"elu": nn.ELU, "relu": nn.ReLU, "tanh": nn.Tanh, "selu": nn.SELU, "lrelu": nn.LeakyReLU, "gelu": nn.GELU}
NORMALIZER_EPS = 1e-2  # rsl_rl EmpiricalNormalization: (x - mean) / (std + eps)


@dataclass
class Policy:
    forward: Callable[[torch.Tensor], torch.Tensor]
    obs_dim: int
    action_dim: int
    kind: str  # "torchscript" | "onnx" | "rsl_rl"
    path: str
    sha256: str

    @torch.inference_mode()
    def __call__(self, obs: torch.Tensor) -> torch.Tensor:
        if obs.ndim != 2 or obs.shape[1] != self.obs_dim:
            raise UserError(
                f"policy {self.path} expects observations of shape (N, {self.obs_dim}), got {tuple(obs.shape)}"
            )
        return self.forward(obs)


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class MLPActor(nn.Module):
    """obs -> normaliser -> Linear/activation stack -> mean action."""

    def __init__(self, weights: list, biases: list, activation: str, mean=None, std=None):
        super().__init__()
        layers = []
        for i, (w, b) in enumerate(zip(weights, biases)):
            linear = nn.Linear(w.shape[1], w.shape[0])
            linear.weight.data.copy_(w)
            linear.bias.data.copy_(b)
            layers.append(linear)
            if i < len(weights) - 1:
                layers.append(ACTIVATIONS[activation]())
        self.mlp = nn.Sequential(*layers)
        dim = weights[0].shape[1]
        self.register_buffer("mean", torch.zeros(dim) if mean is None else mean.reshape(-1).float())
        self.register_buffer("std", torch.ones(dim) - NORMALIZER_EPS if std is None else std.reshape(-1).float())

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.mlp((obs - self.mean) / (self.std + NORMALIZER_EPS))


def _linear_stack(state: dict, prefix: str) -> tuple[list, list]:
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)\.weight$")
    indices = sorted(int(m.group(1)) for k in state if (m := pattern.match(k)))
    return [state[f"{prefix}{i}.weight"] for i in indices], [state[f"{prefix}{i}.bias"] for i in indices]


def _normalizer(state: dict, prefix: str) -> tuple:
    if f"{prefix}_mean" in state:
        return state[f"{prefix}_mean"], state[f"{prefix}_std"]
    return None, None


def actor_from_checkpoint(checkpoint: dict, activation: str = "elu") -> MLPActor:
    """Rebuild the actor of an rsl_rl checkpoint.

    5.x: actor_state_dict {mlp.i.*, obs_normalizer._mean/_std}; 3.x-4.x: model_state_dict {actor.i.*,
    actor_obs_normalizer._mean/_std}; 2.x: model_state_dict {actor.i.*} plus obs_norm_state_dict.
    The activation is not stored in checkpoints: rsl_rl's default, ELU, unless told otherwise.
    """
    if activation not in ACTIVATIONS:
        raise UserError(f"unknown activation '{activation}' (known: {', '.join(ACTIVATIONS)})")
    if "actor_state_dict" in checkpoint:
        state = checkpoint["actor_state_dict"]
        weights, biases = _linear_stack(state, "mlp.")
        mean, std = _normalizer(state, "obs_normalizer.")
    elif "model_state_dict" in checkpoint:
        state = checkpoint["model_state_dict"]
        weights, biases = _linear_stack(state, "actor.")
        mean, std = _normalizer(state, "actor_obs_normalizer.")
        if mean is None and checkpoint.get("obs_norm_state_dict"):
            mean, std = _normalizer(checkpoint["obs_norm_state_dict"], "")
    else:
        raise UserError("not an rsl_rl checkpoint: neither actor_state_dict nor model_state_dict inside")
    if not weights:
        raise UserError("rsl_rl checkpoint has no actor MLP layers")
    return MLPActor(weights, biases, activation, mean, std)


def _first_and_last_linear(module: nn.Module) -> tuple[int, int]:
    matrices = [v for k, v in module.state_dict().items() if k.endswith("weight") and v.ndim == 2]
    if not matrices:
        raise UserError("cannot infer observation/action sizes: no weight matrices in the policy")
    return matrices[0].shape[1], matrices[-1].shape[0]


def _onnx_actions_output(outputs: list, action_dim: int | None, path: str):
    """The output that holds the actions: the one named `actions`, else the only one `action_dim`
    wide (with action_dim None: the only output). Teacher-student and mixture-of-experts exports add
    auxiliary outputs beside the actions."""
    named = [o for o in outputs if o.name == "actions"]
    fits = named or [o for o in outputs if action_dim is None or (o.shape and o.shape[-1] == action_dim)]
    if len(fits) != 1:
        listing = ", ".join(f"{o.name} {list(o.shape)}" for o in outputs)
        width = "one output" if action_dim is None else f"one output {action_dim} wide"
        raise UserError(
            f"{path}: cannot tell which ONNX output holds the actions (need one named 'actions' or {width}):"
            f" outputs {listing}"
        )
    return fits[0]


def _onnx_policy(path: str, action_dim: int | None) -> tuple[Callable, int, int]:
    import onnx
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only: intermediate shapes were inferred for batch 1 and warn every call
    try:
        model = onnx.load(path)  # external data (policy.onnx.data) is read relative to the model's folder
        for value in (*model.graph.input, *model.graph.output):
            dims = value.type.tensor_type.shape.dim
            if dims:
                dims[0].dim_param = "batch"  # exported with batch 1; any batch works
        session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    except Exception as error:  # noqa: BLE001 - an unreadable or unsupported model is the user's input problem
        raise UserError(f"cannot read ONNX model {path}: {' '.join(str(error).split())}") from None
    name = session.get_inputs()[0].name
    obs_dim = session.get_inputs()[0].shape[1]
    output = _onnx_actions_output(session.get_outputs(), action_dim, path)

    def forward(obs: torch.Tensor) -> torch.Tensor:
        (actions,) = session.run([output.name], {name: obs.detach().cpu().numpy().astype(np.float32)})
        return torch.from_numpy(actions).to(obs.device)

    return forward, obs_dim, output.shape[-1]


def load_policy(path: str, device: str = "cpu", activation: str = "elu", action_dim: int | None = None) -> Policy:
    """A Policy from `path`: .onnx, a TorchScript .pt, or an rsl_rl checkpoint .pt. `action_dim`, the
    action count the conventions expect, picks the actions among an ONNX model's outputs."""
    if not os.path.isfile(path):
        raise UserError(f"policy file not found: {path}")
    sha = file_sha256(path)
    if path.endswith(".onnx"):
        forward, obs_dim, width = _onnx_policy(path, action_dim)
        return Policy(forward, obs_dim, width, "onnx", path, sha)
    try:
        module = torch.jit.load(path, map_location=device)
        kind = "torchscript"
    except RuntimeError:
        try:
            checkpoint = torch.load(path, map_location=device, weights_only=False)
        except Exception as error:  # noqa: BLE001 - any unreadable file is the user's input problem
            raise UserError(f"cannot read policy {path}: {str(error).splitlines()[0]}") from None
        if not isinstance(checkpoint, dict):
            raise UserError(f"{path} is neither TorchScript, ONNX nor an rsl_rl checkpoint")
        module = actor_from_checkpoint(checkpoint, activation).to(device)
        kind = "rsl_rl"
    module.eval()
    obs_dim, action_dim = _first_and_last_linear(module)
    return Policy(lambda obs: module(obs), obs_dim, action_dim, kind, path, sha)
