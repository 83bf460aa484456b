"""A batch of environments on one JAX device: the task core vmapped around a physics backend,
plus episode statistics.

With a traceable backend (MJX) the whole control step is one jitted XLA call; with the native
backend it is jit(begin) -> physics in C threads -> jit(finish). Pure JAX and numpy, no torch:
vecenv.py puts the torch face on it.
"""

import jax
import jax.numpy as jnp
import numpy as np

from legged_mjx.backends import make_backend
from legged_mjx.episode_log import termination_flags
from legged_mjx.state import State, pytree_dataclass


NON_FINITE_RESETS = "Stats/non_finite_resets_total"


def ring_slots(done: jax.Array, next_slot: jax.Array, window: int) -> jax.Array:
    """Where each finished episode goes in a ring buffer of `window` slots: the k-th finished
    environment of this step (in index order) to (next_slot + k) % window, and `window` (dropped)
    for the unfinished and for all but the last `window` finished. So no slot is written twice, and
    the buffer holds the same episodes whatever order a GPU applies a scatter's updates in."""
    position = jnp.cumsum(done) - 1  # k for the k-th finished environment
    kept = done & (position >= done.sum() - window)
    return jnp.where(kept, (next_slot + position) % window, window)


@pytree_dataclass
class EpisodeStats:
    """Statistics of the most recent finished episodes, kept on the device.

    Each metric has a ring buffer of the last `window` finished episodes (rsl_rl's own "Mean
    reward" averages the last 100); `log` holds, recomputed every step, the mean of each metric over
    the filled part (metrics in sorted order, `log_names`), then the task's whole-batch entries of
    the last step (`batch`, sorted: the mean terrain level) and then `non_finite_total`: one array,
    so logging exports one buffer per step and never needs the host to know which environments
    finished. `non_finite_total` counts every environment reset because its physics state went
    NaN/inf, `non_finite_actions_total` every environment-step whose action had NaN/inf (it was
    zeroed).
    """

    buffers: dict  # metric -> (window,)
    next_slot: jax.Array  # () int32
    filled: jax.Array  # () int32, <= window
    log: jax.Array  # (len(buffers) + 1,) float32
    non_finite_total: jax.Array  # () int32
    non_finite_actions_total: jax.Array  # () int32
    batch: dict  # name -> () whole-batch log entries of the last step (LocomotionTask.batch_log)

    @staticmethod
    def create(metrics, window: int, batch: dict | None = None) -> "EpisodeStats":
        batch = {name: jnp.asarray(value, jnp.float32) for name, value in (batch or {}).items()}
        return EpisodeStats(
            buffers={m: jnp.zeros(window, jnp.float32) for m in metrics},
            next_slot=jnp.zeros((), jnp.int32),
            filled=jnp.zeros((), jnp.int32),
            log=jnp.array([0.0] * len(metrics) + [batch[n] for n in sorted(batch)] + [0.0], jnp.float32),
            non_finite_total=jnp.zeros((), jnp.int32),
            non_finite_actions_total=jnp.zeros((), jnp.int32),
            batch=batch,
        )

    @property
    def log_names(self) -> list:
        """The name of each entry of `log` (rsl_rl's extras["log"] keys)."""
        return [*sorted(self.buffers), *sorted(self.batch), NON_FINITE_RESETS]

    def update(
        self, done: jax.Array, ended_episode: dict, action_was_finite: jax.Array, batch: dict | None = None
    ) -> "EpisodeStats":
        """Append the finished episodes (done[i]) to the ring buffers and count the bad ones; `batch`
        replaces the whole-batch entries (None: kept)."""
        window = next(iter(self.buffers.values())).shape[0]
        count = done.sum(dtype=jnp.int32)
        slot = ring_slots(done, self.next_slot, window)
        buffers = {m: buf.at[slot].set(ended_episode[m], mode="drop") for m, buf in self.buffers.items()}
        filled = jnp.minimum(self.filled + count, window)
        denominator = jnp.maximum(filled, 1).astype(jnp.float32)
        non_finite = self.non_finite_total + (done & (termination_flags(ended_episode)["non_finite"] > 0)).sum(
            dtype=jnp.int32
        )
        means = [buffers[m].sum() / denominator for m in sorted(buffers)]
        batch = self.batch if batch is None else {n: jnp.asarray(batch[n], jnp.float32) for n in self.batch}
        return EpisodeStats(
            buffers=buffers,
            next_slot=(self.next_slot + count) % window,
            filled=filled,
            log=jnp.stack([*means, *[batch[n] for n in sorted(batch)], non_finite.astype(jnp.float32)]),
            non_finite_total=non_finite,
            non_finite_actions_total=self.non_finite_actions_total + (~action_was_finite).sum(dtype=jnp.int32),
            batch=batch,
        )


class BatchedEnv:
    """`num_envs` copies of a task on `device` (default: the CPU, on every machine), stepped by a
    physics backend (see backends/)."""

    def __init__(
        self,
        task,
        num_envs: int,
        seed: int = 0,
        device: jax.Device | None = None,
        stats_window: int = 100,
        backend: str = "mjx",
        threads: int | None = None,
    ):
        self.task = task
        self.num_envs = num_envs
        self.seed = seed
        self.device = device or jax.devices("cpu")[0]
        self.stats_window = stats_window
        self.backend = make_backend(backend, task, num_envs, self.device, threads)
        self._reset = jax.jit(self._reset_batch)
        self._begin = jax.jit(jax.vmap(task.begin_step))
        self._finish = jax.jit(self._finish_batch)
        self._fused = jax.jit(self._fused_step)
        self._push = jax.jit(jax.vmap(task.push))

    def _reset_batch(self, seed) -> tuple[State, EpisodeStats]:
        # keys, environment ids, states and statistics in one program: each eager jax.random or jnp
        # call would be a program of its own to compile at start-up
        keys = jax.random.split(jax.random.PRNGKey(seed), self.num_envs)
        state = jax.vmap(self.task.reset)(keys, jnp.arange(self.num_envs, dtype=jnp.int32))
        return state, EpisodeStats.create(state.ended_episode.keys(), self.stats_window, self.task.batch_log(state))

    def reset(self) -> tuple[State, EpisodeStats]:
        """Fresh states for the whole batch (seeded) and empty statistics."""
        with jax.default_device(self.device):
            state, stats = self._reset(self.seed)
        # Committed to the device like every later state, so the step compiles once, not twice.
        return self.commit(state), jax.device_put(stats, self.device)

    def commit(self, state: State) -> State:
        """A state assembled anywhere, placed on the device, its physics in the backend's storage."""
        physics = self.backend.adopt(state.physics)
        return jax.device_put(state, self.device).replace(physics=physics)

    def _finish_batch(self, state: State, stats: EpisodeStats, physics, action, action_was_finite):
        state = jax.vmap(self.task.finish_step)(state, physics, action, action_was_finite)
        return state, stats.update(state.done, state.ended_episode, state.action_was_finite, self.task.batch_log(state))

    def _pushed(self, state: State):
        """The state's physics with this step's domain-randomisation pushes added to qvel."""
        if not self.task.pushes:
            return state.physics
        push = self._push(state)
        return state.physics.replace(qvel=state.physics.qvel + (push if self.backend.traceable else np.asarray(push)))

    def _fused_step(self, state: State, stats: EpisodeStats, actions: jax.Array):
        action, targets, finite = jax.vmap(self.task.begin_step)(actions, state.prev_action)
        physics = self.backend.simulate(self._pushed(state), targets, state.params)
        return self._finish_batch(state, stats, physics, action, finite)

    def step(self, state: State, stats: EpisodeStats, actions: jax.Array) -> tuple[State, EpisodeStats]:
        """One control step of every environment (finished ones auto-reset)."""
        if self.backend.traceable:
            return self._fused(state, stats, actions)
        action, targets, finite = self._begin(actions, state.prev_action)
        physics = self.backend.simulate(self._pushed(state), targets, state.params)
        state, stats = self._finish(state, stats, physics, action, finite)
        return state.replace(physics=self.backend.merge_resets(physics, state)), stats
