"""The native MuJoCo backend (CPU): one MjModel per perturbation set, one MjData per environment.

The same task object supplies everything policy-facing - joint indices, action targets, the
actuator law, the observation layout, the fall test and the measurements - so only the physics
engine differs from the MJX backend. A fallen environment stops (later samples would not count).
"""

import copy
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import torch

from legged_mjx.model import scale_model
from legged_mjx.observations import observe
from legged_mjx.sim2sim.measure import measure
from legged_mjx.state import Snapshot


class PhysicsArrays(NamedTuple):
    """The MjData fields measure() reads, for one environment."""

    qfrc_actuator: jax.Array
    cvel: jax.Array
    subtree_com: jax.Array
    geom_xpos: jax.Array


def native_snapshot(task, qpos, qvel, foot_contact, command, action, prev_action, params) -> Snapshot:
    """The task's Snapshot of a native MuJoCo state (Go2 has no robot-specific extras)."""
    return task.state_snapshot(qpos, qvel, foot_contact, command, action, prev_action, params, extras={})


def foot_contact(task, data: mujoco.MjData) -> np.ndarray:
    """(F,) bool: a foot geom is in a penetrating contact (distance < 0)."""
    contacts = data.contact
    touching = contacts.geom[: data.ncon][contacts.dist[: data.ncon] < 0.0]
    return np.isin(task.foot_geoms, touching)


class MujocoBackend:
    name = "mujoco"

    def __init__(self, task, layout, start_qpos: np.ndarray):
        self.task = task
        per_set = []
        for p in layout.perturbations:
            model = copy.deepcopy(task.mj_model)
            scale_model(model, friction=p.friction, mass=p.mass)
            per_set.append(model)
        self.models = [per_set[s] for s in layout.set_of]
        self.datas = [mujoco.MjData(m) for m in self.models]
        for model, data, qpos in zip(self.models, self.datas, start_qpos):
            data.qpos[:] = qpos
            mujoco.mj_forward(model, data)
        self.alive = np.ones(layout.num_envs, bool)
        self.command = jnp.asarray(layout.task_commands(task.cfg.command))
        self.scales = {name: jnp.asarray(value) for name, value in layout.scales().items()}
        self.last_action = np.zeros((layout.num_envs, task.num_actions), np.float32)
        self._snapshot = jax.jit(jax.vmap(partial(native_snapshot, task)))
        self._observe = jax.jit(jax.vmap(partial(observe, task.cfg.obs)))
        self._apply_action = jax.jit(jax.vmap(task.apply_action))
        self._torque = jax.jit(jax.vmap(task.joint_torque))
        self._measure = jax.jit(jax.vmap(lambda snap, phys: {**measure(task, snap, phys), "fell": task.fell(snap)}))
        snap = self._snapshot(*self._state()[:3], self.command, self.last_action, self.last_action, self.scales)
        self.obs, self.history = jax.vmap(partial(observe, task.cfg.obs))(snap)  # history None: a new episode

    def observations(self) -> torch.Tensor:
        return torch.from_numpy(np.array(self.obs["policy"]))

    def step(self, actions: torch.Tensor, push_world: np.ndarray) -> dict:
        """Clip (non-finite rows -> 0), optional one-step latency, pushes, `decimation` substeps of
        the actuator law and mj_step, then observations and measurements (as the MJX step does)."""
        env = self.task.cfg.env
        action, targets, _ = self._apply_action(actions.detach().cpu().numpy(), self.last_action)
        action = np.asarray(action)
        live = np.flatnonzero(self.alive)
        for i in live:
            self.datas[i].qvel[0:3] += push_world[i]
        actuators = self.task.actuators
        for _ in range(env.decimation):
            q = np.stack([d.qpos[self.task.joints.qpos_adr] for d in self.datas])
            qd = np.stack([d.qvel[self.task.joints.dof_adr] for d in self.datas])
            torque = np.asarray(self._torque(q, qd, targets, self.scales))
            for i in live:
                self.datas[i].ctrl[actuators.ids] = torque[i] / actuators.gear
                mujoco.mj_step(self.models[i], self.datas[i])
        prev_action, self.last_action = self.last_action, action
        qpos, qvel, contact, physics = self._state()
        snap = self._snapshot(qpos, qvel, contact, self.command, action, prev_action, self.scales)
        self.obs, self.history = self._observe(snap, self.history)
        measured = {name: np.asarray(value) for name, value in self._measure(snap, physics).items()}
        self.alive &= ~measured["fell"]
        return measured

    def qpos(self, envs) -> np.ndarray:
        return np.stack([self.datas[i].qpos.copy() for i in envs])

    def _state(self) -> tuple:
        """(qpos, qvel, foot contact, PhysicsArrays), each stacked over environments."""
        datas = self.datas
        physics = PhysicsArrays(
            qfrc_actuator=np.stack([d.qfrc_actuator for d in datas]),
            cvel=np.stack([d.cvel for d in datas]),
            subtree_com=np.stack([d.subtree_com for d in datas]),
            geom_xpos=np.stack([d.geom_xpos for d in datas]),
        )
        contact = np.stack([foot_contact(self.task, d) for d in datas])
        return np.stack([d.qpos for d in datas]), np.stack([d.qvel for d in datas]), contact, physics
