"""MJX-batched legged-robot environments (Go2, BALLU) for rsl_rl.

`from legged_mjx import make_env` builds an rsl_rl VecEnv (legged_mjx/vecenv.py, imported on
first use).

Importing this package first makes JAX share a GPU politely with torch (it must not preallocate
most of the card) and compute float32 products in float32 on GPUs (no TF32); these variables only
take effect before jax itself is imported.
"""

import contextlib
import io
import os
import sys

__version__ = "0.1.0"

os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
# float32 products in full float32: JAX's default lets Ampere and later GPUs run MJX's solver products
# in TF32 (10-bit mantissa), which MuJoCo Playground found degrades MJX training (docs/gpu_install.md).
os.environ.setdefault("JAX_DEFAULT_MATMUL_PRECISION", "highest")

import jax  # noqa: E402

# Compiled steps are cached on disk (keyed by the program), so a second run or a second env with the
# same config starts in seconds instead of recompiling. LEGGED_MJX_JAX_CACHE="" turns this off.
_cache_dir = os.environ.get("LEGGED_MJX_JAX_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "legged_mjx_jax"))
if _cache_dir:
    jax.config.update("jax_compilation_cache_dir", _cache_dir)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)

# mujoco.mjx prints "Failed to import warp" when the optional Warp backend is absent; we use the
# JAX backend, so keep that line out of every log. mujoco loads the OpenGL backend MUJOCO_GL names
# on import; an unknown or missing one fails there, before any entry point could report it, so this
# is where it becomes every entry point's one-line error.
try:
    with contextlib.redirect_stdout(io.StringIO()):
        import mujoco.mjx  # noqa: F401
except (RuntimeError, ImportError, AttributeError, OSError) as error:
    if not os.environ.get("MUJOCO_GL"):
        raise
    reason = " ".join(f"{type(error).__name__}: {error}".split())[:160]
    print(
        f"error: mujoco cannot load the OpenGL backend MUJOCO_GL={os.environ['MUJOCO_GL']} ({reason}); "
        "use MUJOCO_GL=egl (GPU or Mesa EGL) or MUJOCO_GL=osmesa (libOSMesa), or leave it unset",
        file=sys.stderr,
    )
    sys.exit(2)


def __getattr__(name: str):
    """`legged_mjx.make_env` and `legged_mjx.LeggedVecEnv`, imported on first use (they pull in torch)."""
    if name in ("make_env", "LeggedVecEnv"):
        from legged_mjx import vecenv

        return getattr(vecenv, name)
    raise AttributeError(f"module 'legged_mjx' has no attribute '{name}'")
