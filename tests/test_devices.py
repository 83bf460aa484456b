"""Device names, the JAX device of a torch device (by hardware id), why JAX has no GPU, and the
test suite's own device: the CPU, whatever accelerator the machine has."""

import os
import re
import subprocess
import sys
from types import SimpleNamespace

import jax
import numpy as np
import pytest
import torch

from legged_mjx import devices
from legged_mjx.batch import BatchedEnv
from legged_mjx.errors import UserError
from legged_mjx.tasks import make_task

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize(
    "name, normalised",
    [("cpu", "cpu"), ("cpu:0", "cpu"), ("cuda", "cuda:0"), ("cuda:0", "cuda:0"), ("cuda:3", "cuda:3")],
)
def test_device_names_are_normalised_with_their_index(name, normalised):
    """torch.device("cuda") != torch.device("cuda:0"), the device of every CUDA tensor: the
    environment's device must carry the index (no CUDA here, so "cuda" is torch's default 0)."""
    assert devices.normalize_device(name) == normalised
    assert devices.normalize_device(torch.device(name)) == normalised


@pytest.mark.parametrize("name", ["bogus", "cuda:x", "mps", "gpu"])
def test_other_device_names_are_user_errors(name):
    with pytest.raises(UserError, match=re.escape(f"unsupported device '{name}' (use cpu or cuda:N)")):
        devices.normalize_device(name)


def test_torch_tensors_reach_jax_without_a_copy():
    tensor = torch.arange(6, dtype=torch.float32)
    array = devices.to_jax(tensor)
    assert array.unsafe_buffer_pointer() == tensor.data_ptr() and array.devices() == {jax.devices("cpu")[0]}


class FakeGpu(SimpleNamespace):
    platform = "gpu"


@pytest.fixture
def gpus_seen_by_jax(monkeypatch):
    """torch sees 2 CUDA GPUs; JAX's CUDA backend is whatever the test sets in `state["cuda"]` (a list
    of devices, or an exception to raise)."""
    state = {"cuda": []}
    real_devices = jax.devices

    def fake_devices(backend=None):
        if backend != "cuda":
            return real_devices(backend)
        if isinstance(state["cuda"], Exception):
            raise state["cuda"]
        return state["cuda"]

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(jax, "devices", fake_devices)
    return state


def test_the_jax_gpu_is_chosen_by_hardware_id(gpus_seen_by_jax):
    """Restricted to its rank's GPU, JAX numbers that GPU 0 (its id) but keeps its hardware id."""
    only_second = FakeGpu(id=0, local_hardware_id=1)
    gpus_seen_by_jax["cuda"] = [only_second]
    assert devices.jax_device_for("cuda:1") is only_second
    with pytest.raises(UserError, match=re.escape("device 'cuda:0' requested but JAX uses only cuda:1")):
        devices.jax_device_for("cuda:0")
    both = [FakeGpu(id=0, local_hardware_id=0), FakeGpu(id=1, local_hardware_id=1)]
    gpus_seen_by_jax["cuda"] = both
    assert devices.jax_device_for("cuda") is both[0] and devices.jax_device_for("cuda:1") is both[1]
    with pytest.raises(UserError, match=re.escape("device 'cuda:2' requested but torch sees 2 CUDA GPU(s)")):
        devices.jax_device_for("cuda:2")


def test_no_jax_gpu_is_an_error_that_says_why(gpus_seen_by_jax):
    gpus_seen_by_jax["cuda"] = RuntimeError("Unknown backend cuda. Available backends are ['cpu']")
    with pytest.raises(UserError) as error:
        devices.jax_device_for("cuda:0")
    message = str(error.value)
    assert message.startswith("device 'cuda:0' requested but JAX has no CUDA backend: Unknown backend cuda")
    assert "\n" not in message and ("no JAX CUDA plugin is installed" in message or "jaxlib" in message)


def test_the_reason_names_a_plugin_of_another_version_than_jaxlib():
    """What an image with jax 0.11 and its CUDA 13 plugin looks like after pip replaced jax/jaxlib by
    0.10.2: the plugin is installed, but JAX ignores it (a RuntimeWarning at import, nothing more)."""
    missing = RuntimeError("Unknown backend cuda. Available backends are ['cpu']")
    plugins = {"jax-cuda13-plugin": "0.11.0", "jax-cuda13-pjrt": "0.11.0"}
    reason = devices.jax_gpu_problem(missing, plugins, "0.10.2")
    assert reason.startswith("Unknown backend cuda")
    assert "jax-cuda13-plugin 0.11.0, jax-cuda13-pjrt 0.11.0 installed, but jaxlib is 0.10.2" in reason
    assert "docs/gpu_install.md" in reason
    assert "no JAX CUDA plugin is installed (pip install 'jax[cuda13]==0.10.2'" in devices.jax_gpu_problem(
        missing, {}, "0.10.2"
    )
    failed = RuntimeError("Backend 'cuda' failed to initialize: INTERNAL: no supported devices found for platform CUDA")
    matching = devices.jax_gpu_problem(failed, {"jax-cuda13-plugin": "0.10.2"}, "0.10.2")
    assert matching == (
        "Backend 'cuda' failed to initialize: INTERNAL: no supported devices found for platform CUDA "
        "(jax-cuda13-plugin 0.10.2, jaxlib 0.10.2)"
    )


def test_jax_platforms_without_cuda_is_named():
    chosen = jax.config.jax_platforms
    jax.config.update("jax_platforms", "cpu")  # read by JAX only when its backends start: already done here
    try:
        reason = devices.jax_gpu_problem(RuntimeError("Unknown backend cuda."), {}, "0.10.2")
    finally:
        jax.config.update("jax_platforms", chosen)
    assert reason == "Unknown backend cuda; JAX_PLATFORMS=cpu leaves CUDA out"


def test_the_suite_runs_on_the_cpu_whatever_the_machine_has():
    """tests/conftest.py pins JAX's default device: on a GPU machine jax.devices()[0] is the GPU, and
    the tolerances measured here on the CPU would be applied to GPU physics."""
    cpu = jax.devices("cpu")[0]
    assert jax.config.jax_default_device == cpu
    assert jax.jit(lambda x: x + 1)(np.float32(1)).devices() == {cpu}


def test_a_batch_without_a_device_is_on_the_cpu_even_where_jax_lists_a_gpu_first(monkeypatch):
    cpu_only = jax.devices

    def gpu_first(backend=None):
        return cpu_only(backend) if backend else [FakeGpu(id=0, local_hardware_id=0), *cpu_only()]

    monkeypatch.setattr(jax, "devices", gpu_first)
    batch = BatchedEnv(make_task("go2"), num_envs=1, backend="mujoco")
    assert batch.device == jax.devices("cpu")[0]


def test_float32_products_are_full_precision_unless_the_user_chose(tmp_path):
    """MJX's solver products run in TF32 on Ampere and later GPUs at JAX's default precision;
    importing legged_mjx makes JAX's default "highest" before JAX starts, and leaves a choice alone."""
    code = "import legged_mjx, jax; print(jax.config.jax_default_matmul_precision)"
    environ = {k: v for k, v in os.environ.items() if k != "JAX_DEFAULT_MATMUL_PRECISION"}
    for chosen, expected in ((None, "highest"), ("tensorfloat32", "tensorfloat32")):
        env = environ if chosen is None else {**environ, "JAX_DEFAULT_MATMUL_PRECISION": chosen}
        result = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split()[-1] == expected


def test_the_gpu_image_install_line_keeps_the_images_torch_and_jax():
    """docs/gpu_install.md's line for a GPU image installs requirements.txt without torch, jax and
    jaxlib (pip then keeps the image's CUDA builds: no other requirement pins them)."""
    with open(os.path.join(ROOT, "docs", "gpu_install.md")) as handle:
        lines = [line.strip() for line in handle if "| pip install -r /dev/stdin" in line]
    assert len(lines) == 1, "docs/gpu_install.md: one install line that pipes the remaining requirements"
    selection = lines[0].split(" | pip install")[0]
    result = subprocess.run(["bash", "-c", selection], cwd=ROOT, capture_output=True, text=True, check=True)

    def names(text: str) -> list:
        return [re.split(r"[\[=<>; ]", line.strip())[0] for line in text.splitlines() if line.strip()[:1].isalpha()]

    with open(os.path.join(ROOT, "requirements.txt")) as handle:
        everything = names(handle.read())
    assert {"torch", "jax", "jaxlib"} <= set(everything)
    assert names(result.stdout) == [name for name in everything if name not in ("torch", "jax", "jaxlib")]
