"""TorchScript and ONNX files of a trained policy (rsl_rl's exporters), written atomically."""

import logging
import os
import shutil
import warnings

import onnx

from legged_mjx.training import Runner


def export_policy(runner: Runner, folder: str) -> str:
    """TorchScript and self-contained ONNX policies (normaliser inside) into <folder>/exported,
    written to a staging folder, then renamed into place; returns <folder>/exported."""
    final, staging = os.path.join(folder, "exported"), os.path.join(folder, ".exported-tmp")
    shutil.rmtree(staging, ignore_errors=True)
    runner.export_policy_to_jit(staging, "policy.pt")
    # torch.onnx's exporter warns about optional torchvision ops and its own deprecations: not ours to act on
    registration = logging.getLogger("torch.onnx._internal.exporter._registration")
    level = registration.level
    registration.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            runner.export_policy_to_onnx(staging, "policy.onnx")
    finally:
        registration.setLevel(level)
    onnx_path = os.path.join(staging, "policy.onnx")
    onnx.save_model(onnx.load(onnx_path), onnx_path, save_as_external_data=False)  # weights inline
    os.makedirs(final, exist_ok=True)
    for name in ("policy.pt", "policy.onnx"):
        os.replace(os.path.join(staging, name), os.path.join(final, name))
    shutil.rmtree(staging, ignore_errors=True)
    return final
