"""The terrain's command line, shared by train_ppo.py, play.py and collect_trajectories.py:
`--terrain flat|rough` (a named ground replacing the task's or the run's) and, where the script has
no general --set, `--set terrain.KEY=VALUE` (any field of the task's terrain section, or a key inside
its generator: terrain.generator.num_rows=4). Presets are applied before --set."""

from legged_mjx.errors import UserError
from legged_mjx.terrain.presets import TERRAINS, terrain_preset


def add_terrain_arguments(parser, with_set: bool = False) -> None:
    """--terrain, and with `with_set` --set restricted to terrain.* keys."""
    parser.add_argument(
        "--terrain", default=None, choices=list(TERRAINS), help="the ground: flat or rough (default: the task's/run's)"
    )
    if with_set:
        parser.add_argument(
            "--set", dest="sets", action="append", default=[], metavar="terrain.KEY=VALUE", help="a terrain setting"
        )


def terrain_overrides(terrain: str | None, sets: list = ()) -> dict:
    """Config overrides, in order: the --terrain preset, then terrain.KEY=VALUE items."""
    overrides = {} if terrain is None else {"terrain.generator": terrain_preset(terrain)}
    for item in sets:
        key, sep, value = item.partition("=")
        if not sep or not key.startswith("terrain."):
            raise UserError(f"--set here takes terrain.KEY=VALUE, got '{item}'")
        overrides[key] = value
    return overrides
