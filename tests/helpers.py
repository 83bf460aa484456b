"""Test helpers: stepping one environment, MuJoCo's forward pass on the host, a short training run."""

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from legged_mjx.batch import BatchedEnv
from legged_mjx.config import save_run_configs, to_dict
from legged_mjx.tasks import train_config
from legged_mjx.training import Runner


class SingleEnvStep:
    """step(state, action) for ONE environment's (unbatched) state, through a batch of one on a
    backend; the returned physics are float32 JAX arrays, so tests can edit them with `.at`."""

    def __init__(self, task, backend: str = "mujoco"):
        self.batch = BatchedEnv(task, num_envs=1, backend=backend)
        _, self.stats = self.batch.reset()

    def __call__(self, state, action):
        batched = self.batch.commit(jax.tree.map(lambda x: jnp.asarray(x)[None], state))
        stepped, _ = self.batch.step(batched, self.stats, jnp.asarray(action)[None])
        return jax.tree.map(lambda x: jnp.asarray(x[0]), stepped)


def host_data(model: mujoco.MjModel, qpos, qvel=None) -> mujoco.MjData:
    """MuJoCo's forward pass at a state (positions, centres of mass, sensors) on the host."""
    data = mujoco.MjData(model)
    data.qpos[:] = np.asarray(qpos, np.float64)
    if qvel is not None:
        data.qvel[:] = np.asarray(qvel, np.float64)
    mujoco.mj_forward(model, data)
    return data


def index_map(from_names, to_names) -> np.ndarray:
    """Indices `idx` with to_vector = from_vector[idx], matching joints by name."""
    position = {name: i for i, name in enumerate(from_names)}
    return np.asarray([position[name] for name in to_names], dtype=np.int64)


def short_run(env, task_name: str, folder, iterations: int, num_steps_per_env: int, cfg=None):
    """A run folder as train_ppo.py leaves it after `iterations` rsl_rl iterations of `env` (an
    observation normaliser that is not the identity): model_<iterations>.pt and cfgs.pkl (with
    `cfg`, default the env's task config). Returns the runner."""
    env.reset()
    train = train_config(task_name)
    train["num_steps_per_env"] = num_steps_per_env
    train["actor"]["obs_normalization"] = True
    runner = Runner(env, train, log_dir=None, device="cpu")
    runner.learn(iterations)
    runner.save(str(folder / f"model_{iterations}.pt"))
    save_run_configs(str(folder), {"task": task_name, **to_dict(cfg or env.task.cfg), "train": train})
    return runner
