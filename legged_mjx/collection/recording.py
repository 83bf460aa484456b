"""What one control step records (dataset keys), and how a state is restored from a record."""

import jax
import numpy as np

from legged_mjx.episode_log import termination_flags
from legged_mjx.state import PHYSICS_FIELDS


def state_fields(state) -> dict:
    """The recorded part of a (batched) State, by dataset key: the physics state, observations,
    command, latency buffer, per-episode params (the terrain cell included), PRNG key, observation
    history and foot timers."""
    fields = {f"state/{name}": getattr(state.physics, name) for name in PHYSICS_FIELDS}
    fields.update({f"obs/{group}": value for group, value in state.obs.items()})
    fields.update({"command": state.command, "state/prev_action": state.prev_action, "state/key": state.key})
    fields.update({f"state/params/{name}": value for name, value in state.params.items()})
    fields.update({f"state/obs_history/{g}/{t}": v for g, terms in state.obs_history.items() for t, v in terms.items()})
    fields.update({f"state/foot_timers/{name}": value for name, value in state.foot_timers.items()})
    return {key: value for key, value in fields.items() if value.size}


def with_fields(state, fields: dict):
    """`state` with the leaves named by `fields` (keys as in state_fields) replaced."""
    return state.replace(
        physics=state.physics.replace(**{n: fields[f"state/{n}"] for n in PHYSICS_FIELDS if f"state/{n}" in fields}),
        obs={g: fields.get(f"obs/{g}", v) for g, v in state.obs.items()},
        command=fields.get("command", state.command),
        prev_action=fields.get("state/prev_action", state.prev_action),
        key=fields.get("state/key", state.key),
        params={k: fields.get(f"state/params/{k}", v) for k, v in state.params.items()},
        obs_history={
            g: {t: fields.get(f"state/obs_history/{g}/{t}", v) for t, v in terms.items()}
            for g, terms in state.obs_history.items()
        },
        foot_timers={k: fields.get(f"state/foot_timers/{k}", v) for k, v in state.foot_timers.items()},
    )


class Recorder:
    """Gathers one step's transition from the device arrays of the states before and after it."""

    def __init__(self, task):
        # the task's own action handling (clip, NaN -> 0, latency): the targets the step applied
        self._targets = jax.jit(jax.vmap(lambda action, last: task.begin_step(action, last)[1]))

    def __call__(self, before, after, action: jax.Array, mean: jax.Array) -> tuple:
        """(transition {key: (N, ...)}, episode_step (N,) before the step, termination flags
        {reason: (N,)}, the state the step reached before any auto-reset {final/key: (N, ...)})."""
        fields = state_fields(before)
        fields.update(
            action=action,
            action_mean=mean,
            joint_targets=self._targets(action, before.prev_action),
            reward=after.reward,
            terminated=after.terminated,
            truncated=after.truncated,
        )
        fields.update({f"reward_terms/{name}": value for name, value in after.reward_terms.items()})
        reasons = termination_flags(after.ended_episode)
        physics = after.pre_reset["physics"]
        final = {"final/state/qpos": physics.qpos, "final/state/qvel": physics.qvel}
        final.update({f"final/obs/{group}": value for group, value in after.pre_reset["obs"].items()})
        frame = (fields, before.episode_step, reasons, final)
        for value in jax.tree.leaves(frame):
            if isinstance(value, jax.Array):  # the native backend's physics is already on the host
                value.copy_to_host_async()
        return frame


def to_host(frame: tuple) -> tuple:
    """A Recorder frame as numpy arrays (waits for its asynchronous copies)."""
    return jax.tree.map(np.asarray, frame)
