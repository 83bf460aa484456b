"""The evaluation rollout: a BatchedEnv of the evaluation task on any physics backend, started
from the layout's poses, commands and perturbation scales. Pushes change the base velocity
before a step; measurements are taken from each step's final (pre-reset) physics.

The compiled programs depend on the task config and the batch size only: commands and
perturbation scales are state, pushes are data, so sweeps and perturbation sets reuse them.
"""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import torch

from legged_mjx.batch import BatchedEnv
from legged_mjx.devices import jax_device_for, to_jax
from legged_mjx.observations import observe


def start_episode(task, state, qpos, command, scales):
    """A reset state given its start pose (on the flat floor: the task's terrain moves it onto the
    environment's sub-terrain origin), command and perturbation scales (which replace those keys of
    the task's params), with the matching first observation (the rest of the kinematics is
    recomputed by the first step)."""
    params = {**state.params, **scales}
    physics = state.physics.replace(qpos=task.terrain.spawn(qpos, params, state.key))
    obs, history = observe(task.cfg.obs, task.snapshot(physics, command=command, params=params))
    return state.replace(physics=physics, command=command, params=params, obs=obs, obs_history=history)


class Rollout:
    def __init__(self, task, measure, layout, start_qpos: np.ndarray, settings):
        self.task, self.measure, self.name = task, measure, settings.backend
        device = jax_device_for(settings.device)
        self.batch = BatchedEnv(
            task, layout.num_envs, settings.seed, device, backend=settings.backend, threads=settings.threads
        )
        state, self.stats = self.batch.reset()
        with jax.default_device(device):
            commands = jnp.asarray(layout.task_commands(task.cfg.command))
            scales = {name: jnp.asarray(value) for name, value in layout.scales().items()}
            start = jax.jit(jax.vmap(partial(start_episode, task)))
            state = start(state, start_qpos, commands, scales)
        self.state = self.batch.commit(state)
        self._measure = jax.jit(jax.vmap(self._measure_one))

    def _measure_one(self, state, prev_action):
        """measure.py's scalars of one environment's last step, and whether it fell."""
        physics = state.pre_reset["physics"]
        snap = self.task.snapshot(
            physics, command=state.command, params=state.params, action=state.prev_action, prev_action=prev_action
        )
        return {**self.measure(snap, physics), "fell": state.terminated}

    def observations(self) -> torch.Tensor:
        return torch.from_dlpack(self.state.obs["policy"])

    def step(self, actions: torch.Tensor, push_world: np.ndarray) -> dict:
        """Apply pushes (world-frame base velocity changes, (N, 3) m/s), then one control step;
        the step's measurements and `fell`, as numpy arrays."""
        state = self.state
        push = np.pad(push_world, ((0, 0), (0, self.task.mj_model.nv - 3)))
        state = state.replace(physics=state.physics.replace(qvel=state.physics.qvel + push))
        actions = to_jax(actions.detach().contiguous())
        self.state, self.stats = self.batch.step(state, self.stats, actions)
        measured = self._measure(self.state, state.prev_action)
        return {name: np.asarray(value) for name, value in measured.items()}

    def qpos(self, envs) -> np.ndarray:
        return np.asarray(self.state.physics.qpos)[np.asarray(envs)]
