"""Joint-order conventions, and the one place where orders are mapped onto each other (by name)."""

from legged_mjx.errors import UserError

GO2_PARTS = ("hip", "thigh", "calf")

# Leg order per convention; within a leg the order is hip, thigh, calf (except Isaac Lab, below).
GO2_LEG_ORDERS = {
    "mjcf": ("FL", "FR", "RL", "RR"),  # depth-first order of assets/go2/go2.xml
    "genesis": ("FR", "FL", "RR", "RL"),  # Genesis go2_train
    "unitree_sdk": ("FR", "FL", "RR", "RL"),  # motor indices of the Unitree SDK
    "isaac": ("FL", "FR", "RL", "RR"),  # Isaac Lab groups by joint type: all hips, thighs, calves
}


def go2_joint_names(convention: str) -> list:
    """The 12 Go2 joint names (`FL_hip_joint`, ...) in a convention's order."""
    if convention not in GO2_LEG_ORDERS:
        raise UserError(f"unknown joint order '{convention}' (known: {', '.join(GO2_LEG_ORDERS)})")
    legs = GO2_LEG_ORDERS[convention]
    if convention == "isaac":
        return [f"{leg}_{part}_joint" for part in GO2_PARTS for leg in legs]
    return [f"{leg}_{part}_joint" for leg in legs for part in GO2_PARTS]
