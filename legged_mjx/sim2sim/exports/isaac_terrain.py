"""The terrain an Isaac Lab policy trained on, from its params/env.yaml: scene.terrain.terrain_generator
(a TerrainGeneratorCfg dump) as this project's terrain.generator dict (legged_mjx/terrain/config.py).

The generator's fields keep their names (seed, curriculum, size, border_width, num_rows, num_cols,
horizontal_scale, vertical_scale, slope_threshold, difficulty_range); a sub-terrain's `function`
(`...:pyramid_stairs_terrain`, `inverted_pyramid_stairs_terrain`, `random_grid_terrain`,
`random_uniform_terrain`, `pyramid_sloped_terrain`, `wave_terrain`, `flat_terrain`) names the type,
and its parameters keep their names. Keys that only describe Isaac Lab's own bookkeeping (the
per-sub-terrain copies of size and scales, flat_patch_sampling, cache and colour settings) are
left out; any other unknown key is a UserError naming it (terrain/config.py). `seed: null` (Isaac
Lab then draws one) becomes 0, listed among the assumptions.
"""

import re

from legged_mjx.errors import UserError
from legged_mjx.sim2sim.exports.facts import lookup

FUNCTIONS = {  # Isaac Lab terrain function -> (type, fixed parameters)
    "pyramid_stairs_terrain": ("pyramid_stairs", {}),
    "inverted_pyramid_stairs_terrain": ("pyramid_stairs", {"inverted": True}),
    "random_grid_terrain": ("random_grid", {}),
    "random_uniform_terrain": ("random_uniform", {}),
    "pyramid_sloped_terrain": ("pyramid_sloped", {}),
    "inverted_pyramid_sloped_terrain": ("pyramid_sloped", {"inverted": True}),
    "wave_terrain": ("wave", {}),
    "flat_terrain": ("flat", {}),
}
GENERATOR_KEYS = (
    "seed",
    "curriculum",
    "size",
    "border_width",
    "num_rows",
    "num_cols",
    "horizontal_scale",
    "vertical_scale",
    "slope_threshold",
    "difficulty_range",
)
# Isaac Lab copies these into every sub-terrain config, or uses them for its own bookkeeping
SUB_TERRAIN_BOOKKEEPING = {"function", "size", "flat_patch_sampling", "difficulty", "seed"}
SUB_TERRAIN_BOOKKEEPING |= {"horizontal_scale", "vertical_scale", "slope_threshold"}


def isaac_terrain_generator(data: dict, source: str) -> tuple[dict, list]:
    """(terrain.generator dict, assumptions) of an env.yaml's scene.terrain; UserError where it has
    no generated terrain or a sub-terrain function this project does not generate."""
    terrain = lookup(data, "scene.terrain")
    if not isinstance(terrain, dict) or terrain.get("terrain_type") != "generator":
        kind = terrain.get("terrain_type") if isinstance(terrain, dict) else None
        raise UserError(
            f"{source}: scene.terrain is not a generated terrain (terrain_type {kind!r}), nothing to rebuild"
        )
    generator = terrain.get("terrain_generator")
    if not isinstance(generator, dict) or not isinstance(generator.get("sub_terrains"), dict):
        raise UserError(f"{source}: scene.terrain.terrain_generator has no sub_terrains")
    result = {key: _plain(generator[key]) for key in GENERATOR_KEYS if generator.get(key) is not None}
    assumptions = []
    if generator.get("seed") is None:
        result["seed"] = 0
        assumptions.append(f"{source} scene.terrain.terrain_generator: seed null (Isaac Lab draws one): seed 0")
    result["sub_terrains"] = {
        name: _sub_terrain(sub, f"{source} scene.terrain.terrain_generator.sub_terrains.{name}")
        for name, sub in generator["sub_terrains"].items()
    }
    return result, assumptions


def _sub_terrain(sub: dict, where: str) -> dict:
    function = re.split(r"[:.]", str(sub.get("function", "")))[-1]
    if function not in FUNCTIONS:
        raise UserError(f"{where}: terrain function '{function}' is not generated here (known: {', '.join(FUNCTIONS)})")
    kind, fixed = FUNCTIONS[function]
    params = {key: _plain(value) for key, value in sub.items() if key not in SUB_TERRAIN_BOOKKEEPING}
    return {"type": kind, **params, **fixed}


def _plain(value):
    """Tuples (YAML !!python/tuple) as lists, as a task config holds them."""
    return [_plain(v) for v in value] if isinstance(value, (list, tuple)) else value
