"""The MJX backend: physics in JAX, traced into the jitted control step (one XLA call per step).

`impl="warp"` runs MJX's Warp implementation (`--backend warp`) behind the same calls: Warp supports
`mjx.step` (not its stages), which is all this backend uses. Only the per-environment fields of the
data are batched (vmap over `template.replace(...)`), as MJX-Warp requires.
"""

import contextlib
import importlib.util
import io

import jax
import jax.numpy as jnp
import numpy as np

with contextlib.redirect_stdout(io.StringIO()):  # mujoco.mjx prints "Failed to import warp" without warp-lang
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
        self.designs = None  # the task's designs as one batched model (stack_models), or None
        if task.design_models:
            if impl == "warp":
                raise UserError(
                    "backend 'warp' takes one model per batch; a task with several designs needs mjx or mujoco"
                )
            self.designs = stack_models([mjx.put_model(m, impl=impl, device=device) for m in task.design_models])

    def simulate(self, physics: Physics, targets: jax.Array, params: dict) -> Physics:
        return jax.vmap(self._simulate_one)(physics, targets, params)

    def _simulate_one(self, physics: Physics, targets: jax.Array, params: dict) -> Physics:
        """`decimation` x [control hook -> mjx.step] for one environment (mjx.step honours the
        model's integrator: Euler, RK4 or implicitfast)."""
        task = self.task
        model = self.model if self.designs is None else self.designs.select(params["design"])
        model = model.replace(**randomized_fields(model, params, task.base_body))
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


class StackedModels:
    """Models of one topology as one batched model: the leaves where they differ are stacked on a
    leading axis, the rest shared; select(i) is model i (traceable: i may be a traced index, so a
    vmapped step runs each environment on its own model)."""

    def __init__(self, treedef, leaves: list, varying: dict):
        self.treedef, self.leaves, self.varying = treedef, leaves, varying

    def select(self, index):
        leaves = [self.varying[i][index] if i in self.varying else leaf for i, leaf in enumerate(self.leaves)]
        return jax.tree_util.tree_unflatten(self.treedef, leaves)


def stack_models(models: list) -> StackedModels:
    """StackedModels of mjx.Models (JAX implementation) that differ only in array values (a
    UserError otherwise). The one static array that geometry changes, geom_rbound_hfield (bounding
    radii that size the grid patch a height-field collision examines, fixed at trace time), becomes
    the maximum over the models: a patch large enough for every one of them."""
    bound = np.max([model._impl.geom_rbound_hfield for model in models], axis=0)
    models = [model.replace(_impl=model._impl.replace(geom_rbound_hfield=bound)) for model in models]
    flat = [jax.tree_util.tree_flatten(model) for model in models]
    treedef = flat[0][1]
    if any(other != treedef for _, other in flat[1:]):
        raise UserError("the designs' models differ in more than array values (sizes or static fields)")
    columns = list(zip(*(leaves for leaves, _ in flat)))
    varying = {}
    for i, column in enumerate(columns):
        values = [np.asarray(leaf) for leaf in column]
        if any(not np.array_equal(values[0], value) for value in values[1:]):
            varying[i] = jax.device_put(np.stack(values), column[0].device)
    return StackedModels(treedef, list(flat[0][0]), varying)
