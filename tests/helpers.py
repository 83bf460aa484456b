"""Test helpers: stepping one environment, and MuJoCo's forward pass on the host."""

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from legged_mjx.batch import BatchedEnv


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


def run_sim2sim(*args) -> int:
    """sim2sim.py's exit status for these arguments (a SystemExit's code for a bad input)."""
    import sim2sim

    try:
        return sim2sim.main([str(a) for a in args])
    except SystemExit as exit_:
        return exit_.code


def index_map(from_names, to_names) -> np.ndarray:
    """Indices `idx` with to_vector = from_vector[idx], matching joints by name."""
    position = {name: i for i, name in enumerate(from_names)}
    return np.asarray([position[name] for name in to_names], dtype=np.int64)
