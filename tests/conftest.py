"""Shared, session-scoped environments: every distinct jitted program costs a compile, so tests
reuse a few (one single-env Go2 step, one 16-env Go2 VecEnv, one 8-env BALLU batch per backend).
Most tests run on the native backend (no MJX physics to compile); physics tests run on both."""

import legged_mjx  # noqa: F401  (before jax)

import jax
import jax.numpy as jnp
import pytest

from env_wrapper import make_env
from legged_mjx.batch import BatchedEnv
from legged_mjx.tasks import make_task, task_config
from tests.helpers import SingleEnvStep, all_terrain_types, short_run

# The suite means the same on every machine: uncommitted JAX work (jitted task functions, fixtures'
# arrays) runs on the CPU, where the tolerances were measured, also where jax.devices()[0] is a GPU.
# The CUDA tests (tests/test_cuda.py) place their environments on cuda:0 explicitly.
jax.config.update("jax_default_device", jax.devices("cpu")[0])


@pytest.fixture(scope="session")
def go2_task():
    return make_task("go2")


@pytest.fixture(scope="session")
def go2_rough_task():
    """go2-rough on a 2 x 8 grid, one column per sub-terrain type (tests/helpers.all_terrain_types),
    spawning exactly on the sub-terrain origins (with a random heading)."""
    return make_task("go2-rough", **{"terrain.generator": all_terrain_types(num_rows=2), "terrain.spawn_xy": 0.0})


@pytest.fixture(scope="session")
def go2_step(go2_task):
    return SingleEnvStep(go2_task)


@pytest.fixture(scope="session")
def go2_reset(go2_task):
    reset = jax.jit(go2_task.reset)
    return lambda seed=0: reset(jax.random.PRNGKey(seed), jnp.int32(0))


@pytest.fixture(scope="session")
def go2_env():
    return make_env("go2", num_envs=16, device="cpu", seed=0)


@pytest.fixture(scope="session", params=["mujoco", "mjx"])
def ballu_batch(request):
    """8 BALLU environments on each backend; tests set per-environment params (GCR, spcf, drag)."""
    return BatchedEnv(make_task("ballu"), num_envs=8, seed=0, backend=request.param)


@pytest.fixture(scope="session")
def tiny_run(go2_env, tmp_path_factory):
    """A Go2 run folder as train_ppo.py leaves it: a 1-iteration rsl_rl 5.x checkpoint (with a
    non-trivial observation normaliser), exported/policy.pt and cfgs.pkl (0.5 s episodes, so that
    collection tests finish episodes quickly)."""
    folder = tmp_path_factory.mktemp("run")
    runner = short_run(go2_env, "go2", folder, 1, 4, task_config("go2", {"episode_length_s": 0.5}))
    runner.export_policy_to_jit(str(folder / "exported"), "policy.pt")
    return folder
