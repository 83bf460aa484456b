"""Start-up: every entry point parses and checks its arguments before it imports JAX, torch or mujoco
(so `--help` and a typo answer at once), and importing legged_mjx sets JAX's settings as
environment defaults without importing JAX."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEAVY = ("jax", "torch", "mujoco", "rsl_rl", "tensordict", "h5py")
ENTRY_POINTS = ("train_ppo", "play", "collect_trajectories", "sim2sim", "eval_watch")

PROBE = """
import json, sys
sys.argv = [{script!r}, *{args!r}]
import runpy
code = 0
try:
    runpy.run_path({script!r}, run_name="__main__")
except SystemExit as exit_:
    code = exit_.code
print(json.dumps({{"code": code, "heavy": sorted(m for m in {heavy!r} if m in sys.modules)}}), file=sys.stderr)
"""


def probe(script: str, args: list) -> tuple:
    """(exit code, heavy modules imported, stdout) of running `script args` in a fresh interpreter."""
    code = PROBE.format(script=os.path.join(ROOT, script), args=args, heavy=HEAVY)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    report = json.loads(result.stderr.strip().splitlines()[-1])
    return report["code"], report["heavy"], result.stdout


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_help_imports_no_heavy_library(name):
    code, heavy, out = probe(f"{name}.py", ["--help"])
    assert code == 0 and out.startswith("usage: ") and heavy == []


@pytest.mark.parametrize(
    "script, args",
    [
        ("train_ppo.py", ["--num_envs", "0"]),
        ("train_ppo.py", ["--device", "gpu"]),
        ("train_ppo.py", ["--resume", "--log_root", "/nonexistent"]),
        ("play.py", ["--checkpoint", "missing.pt"]),
        ("collect_trajectories.py", ["--checkpoint", "missing.pt", "--num_envs", "0"]),
        ("sim2sim.py", ["--duration", "1", "--settle", "2"]),
        ("eval_watch.py", ["logs/x", "--every", "0"]),
    ],
)
def test_bad_arguments_are_refused_before_heavy_imports(script, args):
    code, heavy, _ = probe(script, args)
    assert code == 2 and heavy == []


def test_jax_settings_are_environment_defaults_read_at_jax_import(tmp_path):
    """legged_mjx sets JAX_COMPILATION_CACHE_DIR (from LEGGED_MJX_JAX_CACHE) without importing jax;
    jax then caches compiled programs there. LEGGED_MJX_JAX_CACHE="" turns the cache off."""
    code = (
        "import sys, legged_mjx\n"
        "assert 'jax' not in sys.modules\n"
        "import jax, jax.numpy as jnp\n"
        "print(jax.config.jax_compilation_cache_dir)\n"
        "jax.jit(lambda x: jnp.sin(x) * 2)(jnp.ones(3)).block_until_ready()\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_")}
    env.update(LEGGED_MJX_JAX_CACHE=str(tmp_path / "cache"), JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(tmp_path / "cache")] and os.listdir(tmp_path / "cache")
    env.update(LEGGED_MJX_JAX_CACHE="", JAX_COMPILATION_CACHE_DIR=str(tmp_path / "inherited"))
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.split() == ["None"] and not (tmp_path / "inherited").exists()
