"""The pytrees that flow through a control step: the physics state, one environment's State and
its Snapshot."""

import dataclasses
from typing import Any

import jax


def pytree_dataclass(cls):
    """A frozen dataclass registered as a JAX pytree (every field is a leaf or subtree)."""
    cls = dataclasses.dataclass(frozen=True)(cls)
    cls.replace = lambda self, **changes: dataclasses.replace(self, **changes)
    return jax.tree_util.register_dataclass(cls)


@pytree_dataclass
class Physics:
    """The physics state between control steps, as every backend stores it (MuJoCo's names).

    qpos, qvel, act, time and qacc_warmstart define the next step; sensordata and ctrl are what
    MuJoCo's last step left: sensors evaluated at the start of that step (before integration, as
    mj_step does) and the controls it applied. Leaves are float32 JAX arrays on JAX backends and
    float64 numpy arrays on the native backend (the engine's own precision).
    """

    qpos: Any  # (nq,)
    qvel: Any  # (nv,)
    act: Any  # (na,)
    time: Any  # () s
    qacc_warmstart: Any  # (nv,) solver warm start
    sensordata: Any  # (nsensordata,)
    ctrl: Any  # (nu,) controls of the last substep


PHYSICS_FIELDS = tuple(f.name for f in dataclasses.fields(Physics))


def physics_of(data) -> Physics:
    """The Physics fields of a mujoco.MjData or an mjx.Data (both use MuJoCo's names)."""
    return Physics(**{name: getattr(data, name) for name in PHYSICS_FIELDS})


@pytree_dataclass
class Snapshot:
    """Everything observation, reward and termination terms may read, computed once per control step.

    Vectors say their frame in their name; joint vectors follow the task's joint order.
    """

    base_pos_world: jax.Array  # (3,) m, root body frame origin
    base_quat_world: jax.Array  # (4,) w x y z
    lin_vel_world: jax.Array  # (3,) m/s
    lin_vel_body: jax.Array  # (3,) m/s
    ang_vel_body: jax.Array  # (3,) rad/s
    gravity_body: jax.Array  # (3,) unit vector
    joint_pos: jax.Array  # (J,) rad
    joint_vel: jax.Array  # (J,) rad/s
    default_joint_pos: jax.Array  # (J,) rad
    command: jax.Array  # (C,)
    action: jax.Array  # (A,) the policy's action of this step, clipped (observation term "last_action")
    prev_action: jax.Array  # (A,) the clipped action of the previous step (State.prev_action)
    foot_contact: jax.Array  # (F,) bool
    height_scan: jax.Array  # (P,) m: base height - ground height under each height-scan point - offset (unclipped)
    ground_height: jax.Array  # () m: mean ground height under the height-scan points (0 on the flat floor)
    params: dict  # per-environment physics parameters (e.g. GCR), name -> array
    extras: dict  # robot-specific readings (IMUs, applied forces), name -> array
    foot_timers: dict | None = None  # per-foot air/contact timers after this step (foot_timers.py)
    terminated: jax.Array | None = None  # () bool: this step ends the episode in a failure (set before rewards)


@pytree_dataclass
class State:
    """One environment between control steps (batch it with vmap)."""

    physics: Physics
    obs: dict  # group -> (D,) observation vector
    obs_history: dict  # group -> term -> (H, d) for terms with history_length > 1
    reward: jax.Array  # () total reward of the last step
    reward_terms: dict  # term -> () weight * dt * value of the last step
    terminated: jax.Array  # () bool: the last step ended the episode in failure
    truncated: jax.Array  # () bool: the last step hit the time limit (not a failure)
    episode_step: jax.Array  # () int32 control steps since the episode started
    foot_timers: dict  # per-foot air/contact timers (foot_timers.py), (F,) each
    command: jax.Array  # (C,)
    prev_action: jax.Array  # (A,) the clipped action of the last step: the next step's previous action
    params: dict  # per-environment parameters set at reset: physics (e.g. GCR), terrain cell
    key: jax.Array  # PRNG key (uint32 (2,))
    env_id: jax.Array  # () int32 index in the batch (selects a command-table row)
    episode_sums: dict  # reward term -> () weighted sum over the running episode
    ended_episode: dict  # episode-log entries (episode_log.py) of the episode the last step ended (valid where done)
    pre_reset: dict  # where the last step got to before any auto-reset: physics (Physics), obs {group: (D,)}
    action_was_finite: jax.Array  # () bool: False if the last action had NaN/inf (it was zeroed)

    @property
    def done(self) -> Any:
        return self.terminated | self.truncated
