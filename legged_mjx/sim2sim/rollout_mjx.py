"""The MJX backend: the whole batch advances as one jitted XLA call per control step.

The compiled program depends on the task config and the batch size only: commands and
perturbation scales are state, pushes an argument, so sweeps and perturbation sets reuse it.
"""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import torch

from env_wrapper import jax_device_for, to_torch
from legged_mjx.observations import observe
from legged_mjx.sim2sim.measure import measure


def start_episode(task, state, qpos, command, scales):
    """A reset state given its start pose, command and perturbation scales, with the matching first
    observation (the rest of the kinematics is recomputed at the start of the first step)."""
    data = state.data.replace(qpos=qpos)
    no_action = jnp.zeros(task.num_actions, jnp.float32)
    obs, history = observe(task.cfg.obs, task.snapshot(data, command, no_action, no_action, scales))
    return state.replace(data=data, command=command, params=scales, obs=obs, obs_history=history)


class MjxBackend:
    name = "mjx"

    def __init__(self, task, layout, start_qpos: np.ndarray, seed: int, device: str = "cpu"):
        self.task = task
        self.device = jax_device_for(device)
        with jax.default_device(self.device):
            keys = jax.random.split(jax.random.PRNGKey(seed), layout.num_envs)
            state = jax.jit(jax.vmap(task.reset))(keys, jnp.arange(layout.num_envs, dtype=jnp.int32))
            commands = jnp.asarray(layout.task_commands(task.cfg.command))
            scales = {name: jnp.asarray(value) for name, value in layout.scales().items()}
            state = jax.jit(jax.vmap(partial(start_episode, task)))(state, jnp.asarray(start_qpos), commands, scales)
        # Committed to the device like every later state, so the step compiles once, not twice.
        self.state = jax.device_put(state, self.device)
        self._advance = jax.jit(self._advance_batch)

    def observations(self) -> torch.Tensor:
        return to_torch(self.state.obs["policy"])

    def step(self, actions: torch.Tensor, push_world: np.ndarray) -> dict:
        """Apply pushes (world-frame base velocity changes, (N, 3) m/s), then one control step;
        the step's measurements (measure.py) and `fell`, as numpy arrays."""
        actions = jax.dlpack.from_dlpack(actions.detach().contiguous())
        self.state, measured = self._advance(self.state, actions, jax.device_put(push_world, self.device))
        return {name: np.asarray(value) for name, value in measured.items()}

    def qpos(self, envs) -> np.ndarray:
        return np.asarray(self.state.data.qpos[np.asarray(envs)])

    def _advance_batch(self, state, actions, push_world):
        state = state.replace(data=state.data.replace(qvel=state.data.qvel.at[:, 0:3].add(push_world)))
        prev_action = state.last_action
        state = jax.vmap(self.task.step)(state, actions)
        snap = jax.vmap(self.task.snapshot)(state.data, state.command, state.last_action, prev_action, state.params)
        measured = jax.vmap(partial(measure, self.task))(snap, state.data)
        return state, {**measured, "fell": state.terminated}
