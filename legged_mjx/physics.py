"""One MJX physics step with a control hook, and the decimation loop around it.

`mjx.step` is forward dynamics followed by Euler integration. Here the forward pass is split
after the position and velocity stages, where MuJoCo itself calls its control callback: the
hook then sees the current kinematics (body poses, velocities) and returns the actuator
controls and Cartesian forces for this substep. Everything else is exactly `mjx.step`.
"""

from typing import Callable

import jax
from mujoco import mjx

# control_fn(data) -> (ctrl (nu,), xfrc_applied (nbody, 6))
ControlFn = Callable[[mjx.Data], tuple]


def step_with_control(model: mjx.Model, data: mjx.Data, control_fn: ControlFn) -> mjx.Data:
    """Advance one physics timestep, computing ctrl and xfrc_applied from the current state."""
    data = mjx.fwd_position(model, data)
    data = mjx.sensor_pos(model, data)
    data = mjx.fwd_velocity(model, data)
    data = mjx.sensor_vel(model, data)
    ctrl, xfrc_applied = control_fn(data)
    data = data.replace(ctrl=ctrl, xfrc_applied=xfrc_applied)
    data = mjx.fwd_actuation(model, data)
    data = mjx.fwd_acceleration(model, data)
    if data._impl.efc_J.size == 0:
        data = data.replace(qacc=data.qacc_smooth)
    else:
        data = mjx.solve(model, data)
        data = mjx.sensor_acc(model, data)
    return mjx.euler(model, data)


def simulate(model: mjx.Model, data: mjx.Data, control_fn: ControlFn, num_substeps: int) -> mjx.Data:
    """`num_substeps` physics steps (the control decimation) as one scanned loop."""

    def substep(d, _):
        return step_with_control(model, d, control_fn), None

    data, _ = jax.lax.scan(substep, data, None, length=num_substeps)
    return data
