"""Test helpers: stepping one environment, MuJoCo's forward pass on the host, a BALLU collection, a short
training run, a grid of every terrain type and the ground under points by ray casting."""

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from legged_mjx.batch import BatchedEnv
from legged_mjx.config import to_dict
from legged_mjx.run_folders import save_run_configs
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


def collect_ballu(task, path, num_episodes: int):
    """Collect `num_episodes` of a BALLU task (8 environments, seed 3) into the dataset at `path`
    with a noisy sine of the command (a deterministic, non-trivial gait); returns the loaded dataset."""
    import torch

    from legged_mjx.collection.actor import Actor
    from legged_mjx.collection.commits import Committer
    from legged_mjx.collection.loop import collect
    from legged_mjx.collection.provenance import dataset_attrs
    from legged_mjx.dataset import load_trajectories
    from legged_mjx.policies import Policy
    from legged_mjx.vecenv import LeggedVecEnv

    env = LeggedVecEnv(task, num_envs=8, device="cpu", seed=3)
    policy = Policy(lambda obs: torch.sin(3.0 * obs[:, 2:4]), 16, 2, "test", "sine", "0" * 64)
    actor = Actor(policy, action_noise=0.5, seed=3)
    committer = Committer(str(path), dataset_attrs("ballu", task, {}, policy, actor, 3, "gzip", env.backend))
    assert collect(env, actor, num_episodes, committer, progress=False) == num_episodes
    return load_trajectories(str(path))


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


def all_terrain_types(num_rows: int = 1, primitives: str = "heightfield") -> dict:
    """A small generator dict with one column per sub-terrain type (Isaac Lab's rough parameters for
    Go2 where it has them): flat, random_uniform, slope up, slope down, stairs up, stairs down,
    random_grid, wave."""
    stairs = {
        "type": "pyramid_stairs",
        "step_height_range": [0.05, 0.23],
        "step_width": 0.3,
        "platform_width": 3.0,
        "border_width": 1.0,
    }
    slope = {"type": "pyramid_sloped", "slope_range": [0.0, 0.4], "platform_width": 2.0, "border_width": 0.25}
    return {
        "num_rows": num_rows,
        "num_cols": 8,
        "border_width": 1.0,
        "primitives": primitives,
        "sub_terrains": {
            "flat": {"type": "flat"},
            "random_rough": {
                "type": "random_uniform",
                "noise_range": [0.01, 0.06],
                "noise_step": 0.01,
                "border_width": 0.25,
            },
            "slope_up": slope,
            "slope_down": {**slope, "inverted": True},
            "stairs_up": stairs,
            "stairs_down": {**stairs, "inverted": True},
            "boxes": {
                "type": "random_grid",
                "grid_width": 0.45,
                "grid_height_range": [0.025, 0.1],
                "platform_width": 2.0,
            },
            "waves": {"type": "wave", "amplitude_range": [0.0, 0.1], "num_waves": 2, "border_width": 0.25},
        },
    }


def ray_ground(model: mujoco.MjModel, xy: np.ndarray, top: float = 10.0) -> np.ndarray:
    """Ground height under each (x, y): mujoco.mj_ray straight down from `top`, geom group 0 only
    (the floor / terrain; the robot's geoms are in other groups)."""
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    groups, hit = np.array([1, 0, 0, 0, 0, 0], np.uint8), np.zeros(1, np.int32)
    down = np.array([0.0, 0.0, -1.0])
    return np.array([top - mujoco.mj_ray(model, data, np.array([x, y, top]), down, groups, 1, -1, hit) for x, y in xy])
