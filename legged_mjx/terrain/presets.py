"""Named terrains (`--terrain NAME`), as data: a generator dict, or None for the scene's flat floor.

`rough` is Isaac Lab's ROUGH_TERRAINS_CFG (isaaclab/terrains/config/rough.py) as its Go2 rough
config scales it (UnitreeGo2RoughEnvCfg: boxes grid_height_range (0.025, 0.1), random_rough
noise_range (0.01, 0.06) and noise_step 0.01, "because the robot is small"); the sub-terrain
names are Isaac Lab's.
"""

import copy

from legged_mjx.errors import UserError

_STAIRS = {
    "type": "pyramid_stairs",
    "proportion": 0.2,
    "step_height_range": [0.05, 0.23],
    "step_width": 0.3,
    "platform_width": 3.0,
    "border_width": 1.0,
}
_SLOPE = {
    "type": "pyramid_sloped",
    "proportion": 0.1,
    "slope_range": [0.0, 0.4],
    "platform_width": 2.0,
    "border_width": 0.25,
}

ROUGH = {
    "seed": 0,
    "curriculum": True,
    "size": [8.0, 8.0],
    "border_width": 20.0,
    "num_rows": 10,
    "num_cols": 20,
    "horizontal_scale": 0.1,
    "vertical_scale": 0.005,
    "slope_threshold": 0.75,
    "difficulty_range": [0.0, 1.0],
    "sub_terrains": {
        "pyramid_stairs": _STAIRS,
        "pyramid_stairs_inv": {**_STAIRS, "inverted": True},
        "boxes": {
            "type": "random_grid",
            "proportion": 0.2,
            "grid_width": 0.45,
            "grid_height_range": [0.025, 0.1],  # Go2 (Isaac Lab's default (0.05, 0.2))
            "platform_width": 2.0,
        },
        "random_rough": {
            "type": "random_uniform",
            "proportion": 0.2,
            "noise_range": [0.01, 0.06],  # Go2 (default (0.02, 0.10))
            "noise_step": 0.01,  # Go2 (default 0.02)
            "border_width": 0.25,
        },
        "hf_pyramid_slope": _SLOPE,
        "hf_pyramid_slope_inv": {**_SLOPE, "inverted": True},
    },
}

TERRAINS = {"flat": None, "rough": ROUGH}


def terrain_preset(name: str) -> dict | None:
    """A copy of the named terrain's generator dict (None: flat)."""
    if name not in TERRAINS:
        raise UserError(f"unknown terrain '{name}' (known: {', '.join(TERRAINS)})")
    return copy.deepcopy(TERRAINS[name])
