"""The rsl_rl VecEnv of this project, as the layout names it: `make_env` and `LeggedVecEnv` live in
the installed library (legged_mjx/vecenv.py); this entry re-exports them for code in the checkout.
Anywhere else: `from legged_mjx import make_env`."""

from legged_mjx.vecenv import LeggedVecEnv, make_env, to_torch

__all__ = ["LeggedVecEnv", "make_env", "to_torch"]
