"""Device names: the JAX device that shares memory with a torch device."""

import jax
import torch

from legged_mjx.errors import UserError


def jax_device_for(device: str | torch.device) -> jax.Device:
    """The JAX device that shares memory with a torch device ("cpu", "cuda:1", ...)."""
    try:
        device = torch.device(device)
    except RuntimeError:
        raise UserError(f"unsupported device '{device}' (use cpu or cuda:N)") from None
    if device.type == "cpu":
        return jax.devices("cpu")[0]
    if device.type != "cuda":
        raise UserError(f"unsupported device '{device}' (use cpu or cuda:N)")
    if not torch.cuda.is_available():
        raise UserError(
            f"device '{device}' requested but torch sees no CUDA GPU (install a CUDA build or use --device cpu)"
        )
    try:
        gpus = jax.devices("cuda")
    except RuntimeError:
        raise UserError(
            f"device '{device}' requested but JAX has no CUDA backend (pip install 'jax[cuda13]')"
        ) from None
    index = device.index or 0
    if index >= len(gpus):
        raise UserError(f"device '{device}' requested but JAX sees {len(gpus)} GPU(s)")
    return gpus[index]
