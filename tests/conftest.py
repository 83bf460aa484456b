"""Shared, session-scoped environments: every distinct jitted program costs a compile, so tests
reuse a few (one single-env Go2 step, one 16-env Go2 VecEnv, one 8-env BALLU batch)."""

import legged_mjx  # noqa: F401  (before jax)

import jax
import jax.numpy as jnp
import pytest

from env_wrapper import make_env
from legged_mjx.batch import BatchedEnv
from legged_mjx.tasks import make_task


@pytest.fixture(scope="session")
def go2_task():
    return make_task("go2")


@pytest.fixture(scope="session")
def go2_step(go2_task):
    return jax.jit(go2_task.step)


@pytest.fixture(scope="session")
def go2_reset(go2_task):
    reset = jax.jit(go2_task.reset)
    return lambda seed=0: reset(jax.random.PRNGKey(seed), jnp.int32(0))


@pytest.fixture(scope="session")
def go2_env():
    return make_env("go2", num_envs=16, device="cpu", seed=0)


@pytest.fixture(scope="session")
def ballu_batch():
    """8 BALLU environments; tests set per-environment params (GCR, spcf, drag) in the state."""
    return BatchedEnv(make_task("ballu"), num_envs=8, seed=0)
