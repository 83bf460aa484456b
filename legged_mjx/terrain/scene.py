"""The one place where a generated terrain enters a MuJoCo scene: the scene's floor plane(s) are
replaced by one heightfield geom (named "terrain") and the terrain's box geoms ("terrain_box_<k>"),
all with the floor's contact parameters and material, on the world body.

MuJoCo rescales heightfield data to [0, 1]; the heightfield is placed at the lowest ground height
with elevation (max - min), so a vertex's height is pos_z + data x size[2], as ground.py reads it.
"""

import mujoco
import numpy as np

from legged_mjx.errors import UserError
from legged_mjx.terrain.generator import Terrain

HFIELD_NAME = "terrain"
BOX_PREFIX = "terrain_box_"
BASE_DEPTH = 1.0  # m of solid below the lowest point of the heightfield
CONTACT_ATTRIBUTES = (
    "contype",
    "conaffinity",
    "condim",
    "friction",
    "solref",
    "solimp",
    "solmix",
    "margin",
    "gap",
    "priority",
    "group",
    "material",
    "rgba",
)


def add_terrain(spec: mujoco.MjSpec, terrain: Terrain) -> None:
    """Replace the floor plane(s) of `spec`'s world body by the terrain (heightfield + boxes)."""
    planes = [geom for geom in spec.worldbody.geoms if geom.type == mujoco.mjtGeom.mjGEOM_PLANE]
    if not planes:
        raise UserError("the scene has no floor plane to replace with the terrain")
    template = {name: _copy(getattr(planes[0], name)) for name in CONTACT_ATTRIBUTES}
    for plane in planes:
        spec.delete(plane)

    heights = terrain.heights
    low, high = float(heights.min()), float(heights.max())
    elevation = high - low if high > low else 1.0
    hs = terrain.cfg.horizontal_scale
    half = [0.5 * (n - 1) * hs for n in heights.shape]
    hfield = spec.add_hfield(
        name=HFIELD_NAME, nrow=heights.shape[1], ncol=heights.shape[0], size=[*half, elevation, BASE_DEPTH]
    )
    hfield.userdata = ((heights.T - low) / elevation).ravel()  # row r is y index r, column c x index c
    centre = [terrain.corner[0] + half[0], terrain.corner[1] + half[1], low]
    geom = spec.worldbody.add_geom(
        type=mujoco.mjtGeom.mjGEOM_HFIELD, name=HFIELD_NAME, hfieldname=HFIELD_NAME, pos=centre
    )
    _set(geom, template)
    for k, (x_lo, y_lo, z_lo, x_hi, y_hi, z_hi) in enumerate(terrain.boxes):
        box = spec.worldbody.add_geom(
            type=mujoco.mjtGeom.mjGEOM_BOX,
            name=f"{BOX_PREFIX}{k}",
            pos=[(x_lo + x_hi) / 2, (y_lo + y_hi) / 2, (z_lo + z_hi) / 2],
            size=[(x_hi - x_lo) / 2, (y_hi - y_lo) / 2, (z_hi - z_lo) / 2],
        )
        _set(box, template)


def _copy(value):
    return value.copy() if isinstance(value, np.ndarray) else value


def _set(geom, attributes: dict) -> None:
    for name, value in attributes.items():
        setattr(geom, name, value)
