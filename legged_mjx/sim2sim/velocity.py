"""The velocity commands sim2sim sweeps and tracks, and the body-frame quantity that measures each."""

from legged_mjx.errors import UserError

AXES = {"lin_vel_x": "vx", "lin_vel_y": "vy", "ang_vel_z": "wz"}  # command -> measured (body frame: m/s, m/s, rad/s)
VELOCITY_COMMANDS = tuple(AXES)


def axis_ranges(command_cfg) -> dict:
    """{axis: (low, high)}, in AXES order, for each velocity command the task has (its training
    range); a task with none of them is a UserError: there is nothing to track."""
    ranges = {axis: tuple(command_cfg.ranges[name]) for name, axis in AXES.items() if name in command_cfg.names}
    if not ranges:
        raise UserError(
            f"the task commands none of {', '.join(VELOCITY_COMMANDS)} (its commands: {', '.join(command_cfg.names)}):"
            " not a velocity-tracking task"
        )
    return ranges
