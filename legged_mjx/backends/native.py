"""The native MuJoCo backend: the batch's physics in C threads (`mujoco.rollout` with a
persistent pool, one MjData per thread), the task's JAX control hook jitted on the CPU between
substeps. State lives in flat float64 arrays (N x size), MuJoCo's own precision.

Per substep: hook(qpos, qvel, sensordata) -> ctrl (and xfrc_applied) -> one mj_step per
environment. rollout does not return the solver's warm start, so it is passed in as the last
substep's acceleration (qvel' - qvel) / dt: exact for Euler, a close guess otherwise.
"""

import copy
import os

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
from mujoco import rollout

from legged_mjx.errors import UserError
from legged_mjx.model import MODEL_PARAMS, apply_model_params
from legged_mjx.state import Physics

STATE_SPEC = mujoco.mjtState.mjSTATE_FULLPHYSICS  # time, qpos, qvel, act (+ plugin state: refused)


def default_threads() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class NativeBackend:
    name = "mujoco"
    traceable = False

    def __init__(self, task, num_envs: int, threads: int | None = None):
        model = self._native(task.mj_model)
        self.task, self.model, self.num_envs = task, model, num_envs
        self.nq, self.nv, self.na = model.nq, model.nv, model.na
        if mujoco.mj_stateSize(model, STATE_SPEC) != 1 + model.nq + model.nv + model.na:
            raise UserError("the native backend supports models without plugin or history state")
        self.threads = threads or default_threads()
        if self.threads < 1:
            raise UserError(f"threads must be >= 1, got {self.threads}")
        self.pool = rollout.Rollout(nthread=self.threads)
        self.datas = [mujoco.MjData(model) for _ in range(self.threads)]
        self.models = [model] * num_envs
        self.designs = [self._native(m) for m in task.design_models] or [model]  # the task's designs' models
        self._variants = {}  # (design, model-parameter values) -> MjModel
        self._values = np.full((num_envs, 1 + len(MODEL_PARAMS)), np.nan)  # what self.models were built for
        self.control_spec = mujoco.mjtState.mjSTATE_CTRL.value
        if task.applies_body_forces:
            self.control_spec |= mujoco.mjtState.mjSTATE_XFRC_APPLIED.value
        self._control = jax.jit(jax.vmap(self._control_vector))

    @staticmethod
    def _native(model: mujoco.MjModel) -> mujoco.MjModel:
        """A copy of a task model for this backend: MuJoCo would silently reset a diverged
        environment to qpos0; the task detects and resets it."""
        model = copy.deepcopy(model)
        model.opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_AUTORESET
        return model

    def _control_vector(self, physics: Physics, targets, params) -> jax.Array:
        """One environment's rollout control row: ctrl, then xfrc_applied (if the task applies forces)."""
        ctrl, xfrc_applied = self.task.control(physics, targets, params)
        return jnp.concatenate([ctrl, xfrc_applied.reshape(-1)]) if self.task.applies_body_forces else ctrl

    def _update_models(self, params: dict) -> None:
        """Per-environment models: the environment's design (params["design"], an index into the
        task's design_models) with its sampled model parameters (model.MODEL_PARAMS) applied, one
        shared model per distinct combination (designs are few, and domain randomisation samples
        on a grid of buckets, which bounds the copies to designs x buckets^2)."""
        randomized = any(name in params for name in MODEL_PARAMS)
        if not randomized and "design" not in params:
            return
        nominal = np.ones(self.num_envs)
        columns = [np.asarray(params.get("design", 0 * nominal), np.float64)]
        columns += [np.asarray(params.get(n, v * nominal), np.float64) for n, v in MODEL_PARAMS.items()]
        values = np.stack(columns, 1)
        for i in np.flatnonzero((values != self._values).any(axis=1)):
            key = tuple(values[i])
            if key not in self._variants:
                variant = self.designs[int(key[0])]
                if randomized:
                    variant = copy.deepcopy(variant)
                    apply_model_params(variant, dict(zip(MODEL_PARAMS, key[1:])), self.task.base_body)
                self._variants[key] = variant
            self.models[i] = self._variants[key]
        self._values = values

    def simulate(self, physics: Physics, targets, params: dict) -> Physics:
        self._update_models(params)
        n, dt, nsensordata = self.num_envs, self.model.opt.timestep, self.model.nsensordata
        qpos, qvel, act = physics.qpos, physics.qvel, physics.act
        time, warmstart, sensordata = physics.time, physics.qacc_warmstart, physics.sensordata
        for _ in range(self.task.cfg.env.decimation):
            current = Physics(qpos, qvel, act, time, warmstart, sensordata, physics.ctrl)
            control = np.asarray(self._control(current, targets, params), np.float64)
            initial = np.concatenate([np.reshape(time, (n, 1)), qpos, qvel, act], axis=1)
            state = np.empty((n, 1, initial.shape[1]))
            sensors = np.empty((n, 1, nsensordata))
            self.pool.rollout(
                self.models,
                self.datas,
                initial,
                control[:, None, :],
                control_spec=self.control_spec,
                skip_checks=True,
                nstep=1,
                initial_warmstart=np.ascontiguousarray(warmstart, np.float64),
                state=state,
                sensordata=sensors,
            )
            state, sensordata = state[:, 0], sensors[:, 0]
            new_qvel = state[:, 1 + self.nq : 1 + self.nq + self.nv]
            warmstart = (new_qvel - qvel) / dt
            time, qpos, qvel = state[:, 0], state[:, 1 : 1 + self.nq], new_qvel
            act = state[:, 1 + self.nq + self.nv :]
        ctrl = control[:, : self.model.nu]
        return Physics(qpos, qvel, act, time, warmstart, sensordata, ctrl)

    def adopt(self, physics: Physics) -> Physics:
        return jax.tree.map(lambda x: np.array(x, np.float64), physics)

    def merge_resets(self, running: Physics, state) -> Physics:
        """`running` (float64) with the fresh episodes' physics where an episode ended."""
        done = np.asarray(state.terminated) | np.asarray(state.truncated)  # numpy: no JAX program per step
        if not done.any():
            return running

        def merge(keep, fresh):
            keep = np.array(keep, np.float64)
            keep[done] = np.asarray(fresh)[done]
            return keep

        return jax.tree.map(merge, running, state.physics)
