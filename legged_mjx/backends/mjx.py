"""The MJX backend: physics in JAX, traced into the jitted control step (one XLA call per step)."""

import jax
import jax.numpy as jnp
from mujoco import mjx

from legged_mjx.state import Physics

PHYSICS_FIELDS = ("qpos", "qvel", "act", "time", "qacc_warmstart", "sensordata", "ctrl")


def physics_of(data: mjx.Data) -> Physics:
    return Physics(**{name: getattr(data, name) for name in PHYSICS_FIELDS})


def scaled_model(model: mjx.Model, params: dict) -> mjx.Model:
    """`model` with sliding friction x params['friction'] and body mass and inertia x params['mass'],
    where the task samples them (the traced counterpart of model.scale_model)."""
    if "friction" in params:
        model = model.replace(geom_friction=model.geom_friction.at[:, 0].multiply(params["friction"]))
    if "mass" in params:
        mass = params["mass"]
        model = model.replace(body_mass=model.body_mass * mass, body_inertia=model.body_inertia * mass)
    return model


class MjxBackend:
    name = "mjx"
    traceable = True

    def __init__(self, task, device: jax.Device | None = None):
        self.task, self.device = task, device
        self.model = mjx.put_model(task.mj_model)
        self.template = mjx.make_data(self.model)

    def simulate(self, physics: Physics, targets: jax.Array, params: dict) -> Physics:
        return jax.vmap(self._simulate_one)(physics, targets, params)

    def _simulate_one(self, physics: Physics, targets: jax.Array, params: dict) -> Physics:
        """`decimation` x [control hook -> mjx.step] for one environment (mjx.step honours the
        model's integrator: Euler, RK4 or implicitfast)."""
        task, model = self.task, scaled_model(self.model, params)
        data = self.template.replace(**{name: getattr(physics, name) for name in PHYSICS_FIELDS})

        def substep(data, _):
            ctrl, xfrc_applied = task.control(physics_of(data), targets, params)
            data = data.replace(ctrl=ctrl)
            if xfrc_applied is not None:
                data = data.replace(xfrc_applied=xfrc_applied)
            return mjx.step(model, data), None

        data, _ = jax.lax.scan(substep, data, None, length=task.cfg.env.decimation)
        return physics_of(data)

    def adopt(self, physics: Physics) -> Physics:
        return jax.device_put(jax.tree.map(jnp.asarray, physics), self.device)

    def merge_resets(self, running: Physics, state) -> Physics:
        return state.physics
