"""Joint orders by convention, looked up in the robots' descriptions (assets/<robot>/robot.yaml,
legged_mjx/robots.py), and the one way orders are mapped onto each other: by name."""

from legged_mjx.robots import load_robot


def joint_names(robot: str, convention: str) -> list:
    """The joints of `robot` (a shipped robot's name or a robot.yaml path) in a convention's order
    (e.g. unitree_sdk, isaac, mjcf); an order the description lacks is a UserError."""
    return load_robot(robot).joint_names(convention)


def go2_joint_names(convention: str) -> list:
    """The 12 Go2 joint names (`FL_hip_joint`, ...) in a convention's order (mjcf, genesis,
    unitree_sdk, isaac)."""
    return joint_names("go2", convention)
