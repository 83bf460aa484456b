"""Devices: the one name of a torch device, the JAX device that shares its memory, and tensors
handed from torch to JAX on it.

A device is "cpu" or "cuda:N" (N: the CUDA ordinal both torch and JAX see, after
CUDA_VISIBLE_DEVICES). "cuda" means torch's current CUDA device and is normalised to its index,
since torch.device("cuda") never equals the "cuda:0" of a tensor.
"""

import contextlib
from importlib.metadata import PackageNotFoundError, version

import jax
import torch
from jax._src import xla_bridge

from legged_mjx.errors import UserError

# PyPI distributions of JAX's CUDA support; each must have jaxlib's exact version to be used
CUDA_PLUGINS = ("jax-cuda13-plugin", "jax-cuda13-pjrt", "jax-cuda12-plugin", "jax-cuda12-pjrt")


def normalize_device(device: str | torch.device) -> str:
    """ "cpu" or "cuda:N" for a device name ("cuda" -> torch's current CUDA device, 0 unless
    torch.cuda.set_device chose another; "cpu:0" -> "cpu"). UserError for anything else."""
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        raise UserError(f"unsupported device '{device}' (use cpu or cuda:N)") from None
    if parsed.type == "cpu":
        return "cpu"
    if parsed.type != "cuda":
        raise UserError(f"unsupported device '{device}' (use cpu or cuda:N)")
    if parsed.index is None:
        return f"cuda:{torch.cuda.current_device() if torch.cuda.is_available() else 0}"
    return f"cuda:{parsed.index}"


def restrict_jax_to_gpu(index: int) -> None:
    """Let JAX open only CUDA GPU `index` (its jax_cuda_visible_devices): every GPU JAX opens costs a
    CUDA context (~0.4 GB) there, so N torchrun ranks would otherwise open N^2. It only takes effect
    before JAX's backends start: a RuntimeError if they already have (an import-order bug)."""
    if xla_bridge.backends_are_initialized():
        raise RuntimeError("JAX's backends have already started: restrict JAX's GPUs before any JAX computation")
    jax.config.update("jax_cuda_visible_devices", str(index))


def jax_device_for(device: str | torch.device) -> jax.Device:
    """The JAX device that shares memory with a torch device ("cpu", "cuda", "cuda:1", ...): for
    CUDA, the JAX GPU whose hardware id is the torch index (JAX numbers only the GPUs it sees).
    UserError when torch or JAX does not see that GPU, with JAX's reason."""
    device = torch.device(normalize_device(device))
    if device.type == "cpu":
        return jax.devices("cpu")[0]
    if not torch.cuda.is_available():
        raise UserError(
            f"device '{device}' requested but torch sees no CUDA GPU (install a CUDA build or use --device cpu)"
        )
    if device.index >= torch.cuda.device_count():
        raise UserError(f"device '{device}' requested but torch sees {torch.cuda.device_count()} CUDA GPU(s)")
    try:
        gpus = jax.devices("cuda")
    except RuntimeError as error:
        raise UserError(f"device '{device}' requested but JAX has no CUDA backend: {jax_gpu_problem(error)}") from None
    for gpu in gpus:
        if gpu.local_hardware_id == device.index:
            return gpu
    seen = ", ".join(f"cuda:{gpu.local_hardware_id}" for gpu in gpus)
    raise UserError(f"device '{device}' requested but JAX uses only {seen} (jax_cuda_visible_devices)")


def installed_versions(names) -> dict:
    """{distribution: version} of the installed ones among `names`."""
    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found


def jax_gpu_problem(error: Exception, plugins: dict | None = None, jaxlib: str | None = None) -> str:
    """Why JAX has no CUDA backend, in one line: JAX's own error (it names a plugin that failed to
    start), then the cause it does not name: JAX_PLATFORMS without CUDA, no CUDA plugin installed,
    or one of another version than jaxlib's (JAX then ignores it with only a RuntimeWarning,
    "... so it will not be used"). `plugins` and `jaxlib` default to the installed distributions."""
    plugins = installed_versions(CUDA_PLUGINS) if plugins is None else plugins
    jaxlib = version("jaxlib") if jaxlib is None else jaxlib
    reason = " ".join(str(error).split())[:300].rstrip(".")
    platforms = jax.config.jax_platforms
    if platforms and "cuda" not in platforms and "gpu" not in platforms:
        return f"{reason}; JAX_PLATFORMS={platforms} leaves CUDA out"
    if not plugins:
        return f"{reason}; no JAX CUDA plugin is installed (pip install 'jax[cuda13]=={jaxlib}'; docs/gpu_install.md)"
    mismatched = {name: v for name, v in plugins.items() if v.split("+")[0] != jaxlib.split("+")[0]}
    if mismatched:
        listed = ", ".join(f"{name} {v}" for name, v in mismatched.items())
        return (
            f"{reason}; {listed} installed, but jaxlib is {jaxlib}: JAX uses a CUDA plugin only of jaxlib's "
            "exact version (reinstall keeping the image's jax: docs/gpu_install.md)"
        )
    return f"{reason} ({', '.join(f'{name} {v}' for name, v in plugins.items())}, jaxlib {jaxlib})"


def to_jax(tensor: torch.Tensor) -> jax.Array:
    """Zero-copy JAX view of a torch tensor, ordered after the work torch queued on it. torch exports
    a CUDA tensor only from its current device (BufferError otherwise), so that device is made
    current for the export."""
    current = torch.cuda.device(tensor.device) if tensor.is_cuda else contextlib.nullcontext()
    with current:
        return jax.dlpack.from_dlpack(tensor)
