"""MJX-batched legged-robot environments (Go2, BALLU) for rsl_rl.

`from legged_mjx import make_env` builds an rsl_rl VecEnv (legged_mjx/vecenv.py, imported on
first use).

Importing this package imports neither JAX nor torch (an entry point parses its arguments first and
`--help` answers at once). It only sets defaults in the environment, which JAX reads when it is
first imported (each `jax_<flag>` from `JAX_<FLAG>`), so import legged_mjx before jax:
- XLA_PYTHON_CLIENT_PREALLOCATE=false: JAX shares a GPU politely with torch instead of taking most
  of the card;
- JAX_COMPILATION_CACHE_DIR: compiled steps are cached on disk (keyed by the program), so a second
  run or a second env with the same config starts in seconds instead of recompiling; programs that
  compile in under JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS (1 s) are not worth a file.
  LEGGED_MJX_JAX_CACHE names the folder (default ~/.cache/legged_mjx_jax); LEGGED_MJX_JAX_CACHE=""
  turns the cache off. It wins over a JAX_COMPILATION_CACHE_DIR inherited from a parent process;
- JAX_DEFAULT_MATMUL_PRECISION=highest: float32 products in full float32 on GPUs (no TF32; see the
  comment below).
A variable already set in the environment is left as it is.
"""

import os

__version__ = "0.1.0"

os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "1.0")
# float32 products in full float32: JAX's default lets Ampere and later GPUs run MJX's solver products
# in TF32 (10-bit mantissa), which MuJoCo Playground found degrades MJX training (docs/gpu_install.md).
os.environ.setdefault("JAX_DEFAULT_MATMUL_PRECISION", "highest")

_cache_dir = os.environ.get("LEGGED_MJX_JAX_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "legged_mjx_jax"))
if "LEGGED_MJX_JAX_CACHE" not in os.environ:
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", _cache_dir)
elif _cache_dir:
    os.environ["JAX_COMPILATION_CACHE_DIR"] = _cache_dir
else:
    os.environ.pop("JAX_COMPILATION_CACHE_DIR", None)


def __getattr__(name: str):
    """`legged_mjx.make_env` and `legged_mjx.LeggedVecEnv`, imported on first use (they pull in JAX and torch)."""
    if name in ("make_env", "LeggedVecEnv"):
        from legged_mjx import vecenv

        return getattr(vecenv, name)
    raise AttributeError(f"module 'legged_mjx' has no attribute '{name}'")
