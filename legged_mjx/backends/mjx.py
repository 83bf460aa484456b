"""The MJX backend: physics in JAX, traced into the jitted control step (one XLA call per step).

`impl="warp"` runs MJX's Warp implementation (`--backend warp`) behind the same calls: Warp supports
`mjx.step` (not its stages), which is all this backend uses. Only the per-environment fields of the
data are batched (vmap over `template.replace(...)`), as MJX-Warp requires.
"""

import importlib.util

import jax
import jax.numpy as jnp
from mujoco import mjx

from legged_mjx.errors import UserError
from legged_mjx.model import randomized_fields
from legged_mjx.state import PHYSICS_FIELDS, Physics, physics_of


class MjxBackend:
    traceable = True

    def __init__(self, task, device: jax.Device | None = None, impl: str = "jax"):
        self.task, self.device, self.name = task, device, {"jax": "mjx", "warp": "warp"}[impl]
        if impl == "warp":
            if importlib.util.find_spec("warp") is None:
                raise UserError("backend 'warp' needs warp-lang: pip install 'mujoco-mjx[warp]==3.17.0'")
            import warp

            warp.config.quiet, warp.config.log_level = True, warp.LOG_WARNING  # no banner, no line per module
        try:
            self.model = mjx.put_model(task.mj_model, impl=impl, device=device)
        except NotImplementedError as error:  # a model feature this MJX implementation lacks
            raise UserError(f"backend {self.name} cannot run this model: {' '.join(str(error).split())}") from None
        if impl == "warp":  # Warp prints a line whenever a solve reaches the iteration cap (MuJoCo and MJX stop
            opt = self.model.opt  # silently, as this project relies on); its only switch is among its own options
            self.model = self.model.replace(opt=opt.replace(_impl=opt._impl.replace(warn_overflow=0)))
        self.template = mjx.make_data(task.mj_model, impl=impl, device=device)

    def simulate(self, physics: Physics, targets: jax.Array, params: dict) -> Physics:
        return jax.vmap(self._simulate_one)(physics, targets, params)

    def _simulate_one(self, physics: Physics, targets: jax.Array, params: dict) -> Physics:
        """`decimation` x [control hook -> mjx.step] for one environment (mjx.step honours the
        model's integrator: Euler, RK4 or implicitfast)."""
        task = self.task
        model = self.model.replace(**randomized_fields(self.model, params, task.base_body))
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
