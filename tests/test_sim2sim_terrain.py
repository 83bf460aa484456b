"""sim2sim's terrain sweep (--terrain): items and levels, the generated sub-terrains (one column per
type and level, heights as the levels say), terrain limits, the layout of environments over cells,
and end to end: a blind export and this project's checkpoint on terrain, with the report's terrain
section and heatmap; the trained-on terrain of an Isaac Lab env.yaml (--terrain training)."""

import json
import os

import numpy as np
import pytest
import torch

from legged_mjx.errors import UserError
from legged_mjx.sim2sim.layout import Layout
from legged_mjx.sim2sim.perturbations import NOMINAL
from legged_mjx.sim2sim.sweep import build_sweep
from legged_mjx.sim2sim.exports.facts import load_yaml
from legged_mjx.sim2sim.exports.isaac_terrain import isaac_terrain_generator
from legged_mjx.sim2sim.terrain_sweep import (
    STANDARD,
    TerrainCell,
    parse_terrain,
    sweep_generator,
    terrain_limits,
    training_terrain,
)
from legged_mjx.tasks import task_config
from legged_mjx.terrain.config import TerrainGeneratorCfg
from legged_mjx.terrain.generator import generate
from shared_fixtures import fixture_dir
from tests.helpers import run_sim2sim
from tests.test_sim2sim_cli import ENV_YAML, fake_run


def test_items_give_types_at_evenly_spaced_levels():
    cells = parse_terrain(["flat", "stairs_up:0.05-0.2", "rough:0.1"], levels=4)
    assert [(c.type, c.level, c.value) for c in cells] == [
        ("flat", 0, None),
        ("stairs_up", 0, 0.05),
        ("stairs_up", 1, 0.1),
        ("stairs_up", 2, 0.15),
        ("stairs_up", 3, 0.2),
        *[("rough", level, 0.1) for level in range(4)],  # LO = HI: the same value at every level
    ]
    standard = parse_terrain(["standard"], levels=3)
    assert list(dict.fromkeys(c.type for c in standard)) == STANDARD and len(standard) == 1 + 7 * 3


@pytest.mark.parametrize(
    "items, message",
    [
        (["stairs"], "unknown type 'stairs'"),
        (["slope_up:0.4-0.1"], "expected 0 <= LO <= HI, got 0.4-0.1"),
        (["rough:a-b"], "expected TYPE:LO-HI with numbers, got 'a-b'"),
        (["flat:0-1"], "flat takes no range"),
        (["waves", "waves:0.1-0.2"], "type 'waves' given twice"),
    ],
)
def test_bad_items_are_one_line_errors(items, message):
    with pytest.raises(UserError, match=message):
        parse_terrain(items)


def test_the_generated_row_holds_each_level_exactly():
    cells = parse_terrain(["flat", "stairs_down:0.1-0.2", "stairs_up:0.1-0.2", "rough:0.04-0.08"], levels=2)
    terrain = generate(TerrainGeneratorCfg.from_dict(sweep_generator(cells, reach=10.0)))
    assert terrain.origins.shape == (1, len(cells), 3)
    np.testing.assert_array_equal(terrain.types[0], np.arange(len(cells)))  # column c is cell c
    assert terrain.cfg.border_width == 7.0  # 10 m of travel from a centre 4 m from the cell's edge, + 1 m
    # pyramid stairs of 8 m cells: 6 steps between the 1 m border and the 3 m platform (docs/terrain.md),
    # the platform one step above the last: 7 steps above (stairs_down, the top) or below (stairs_up, the pit)
    heights = {c.name: z for c, z in zip(cells, terrain.origins[0, :, 2])}
    assert heights["flat"] == 0.0
    for step in (0.1, 0.2):
        assert heights[f"stairs_down {step:g}"] == pytest.approx(7 * step, abs=1e-6)
        assert heights[f"stairs_up {step:g}"] == pytest.approx(-7 * step, abs=1e-6)
    hs, size = terrain.cfg.horizontal_scale, terrain.cfg.size[0]
    for c, cell in enumerate(cells):
        if cell.type == "rough":  # heights within [0, value] on the cell
            x, y = terrain.origins[0, c, :2]
            i0, j0 = (
                int(round((v - s / 2 - corner) / hs)) for v, s, corner in zip((x, y), (size, size), terrain.corner)
            )
            patch = terrain.heights[i0 : i0 + int(size / hs), j0 : j0 + int(size / hs)]
            assert patch.min() >= -1e-9 and patch.max() <= cell.value + 1e-9 and patch.max() > cell.value / 2


def test_a_terrain_limit_is_the_last_level_before_the_first_failing_one():
    cells = [TerrainCell("flat", 0, None, ""), *(TerrainCell("stairs_up", k, 0.05 * (k + 1), "m") for k in range(4))]
    walked = [1.0] * 5
    limits = terrain_limits(cells, [0.0, 0.0, 0.1, 0.5, 0.0], walked, max_fall_rate=0.25, min_progress=0.5)
    assert limits["flat"]["level"] == 0
    assert limits["stairs_up"] == {"level": 1, "value": 0.1, "unit": "m"}  # level 3's 0.0 comes after a failure
    assert terrain_limits(cells, [0.0, 0.3, 0.0, 0.0, 0.0], walked, 0.25, 0.5)["stairs_up"]["level"] is None
    # no falls, but the robots stopped short of the feature from level 1 on (a stand-still policy)
    limits = terrain_limits(cells, [0.0] * 5, [0.9, 0.6, 0.4, 1.0, 1.0], 0.25, 0.5)
    assert limits["stairs_up"]["level"] == 0 and limits["flat"]["level"] == 0


def test_environments_cycle_over_cells_fastest():
    rows = build_sweep(["forward=0.5,1.0"], task_config("go2").command, seed=0)
    cells = parse_terrain(["flat", "boxes:0.05"], levels=2)
    layout = Layout(rows, [NOMINAL], 12, cells)
    np.testing.assert_array_equal(layout.cell_of, np.arange(12) % 3)
    combos = {(int(r), int(c)) for r, c in zip(layout.row_of, layout.cell_of)}
    assert len(combos) == 6  # every (row, cell) twice
    assert layout.judged_cells() == [0]  # flat
    assert Layout(rows, [NOMINAL], 8, cells[1:]).judged_cells() == [0]  # no flat: each type's easiest level
    with pytest.raises(UserError, match=r"2 sweep rows x 1 perturbation sets x 3 terrain cells = 6"):
        Layout(rows, [NOMINAL], 5, cells)


def silent_policy(tmp_path) -> str:
    """A TorchScript 48 -> 12 policy that outputs zeros (zero actions: the robot holds its default
    pose on its PD), saved in tmp_path."""
    silent = torch.nn.Linear(48, 12)
    torch.nn.init.zeros_(silent.weight)
    torch.nn.init.zeros_(silent.bias)
    path = str(tmp_path / "policy.pt")
    torch.jit.script(silent).save(path)
    return path


def test_a_blind_export_runs_on_terrain_and_the_report_gives_limits(tmp_path):
    """A silent 48 -> 12 policy (zero actions: it stands on its PD) under the synthetic env.yaml:
    spawned on every sub-terrain's origin, it stands everywhere and never reaches the feature, so it
    gets no terrain limit; the report has every level and the heatmap."""
    out = tmp_path / "report"
    run_sim2sim(
        "--policy", silent_policy(tmp_path), "--config", ENV_YAML, "--backend", "mujoco", "--sweep", "forward=0.5",
        "--terrain", "flat", "stairs_down:0.1-0.2", "--terrain_levels", 2, "--num_envs", 6,
        "--duration", 1.0, "--settle", 0.5, "--out", out,
    )  # fmt: skip
    report = json.loads((out / "report.json").read_text())
    terrain = report["terrain"]
    assert [(c["type"], c["level"], c["envs"]) for c in terrain["cells"]] == [
        ("flat", 0, 2),
        ("stairs_down", 0, 2),
        ("stairs_down", 1, 2),
    ]
    assert all(c["fall_rate"] == 0.0 and abs(c["progress_m"]) < 0.2 for c in terrain["cells"])  # stands, no walk
    assert terrain["limits"]["stairs_down"] == {"level": None, "value": None, "unit": "m"}  # never met the stairs
    assert terrain["limits"]["flat"]["level"] is None
    assert terrain["judged"] == ["flat"]
    assert (out / "terrain.png").stat().st_size > 0 and "## Terrain" in (out / "summary.md").read_text()


def test_zero_actions_started_on_the_stairs_fall_there_and_not_on_flat_ground(tmp_path):
    """--terrain_start 2.0: robots start 2 m out from the centre, on the stairs' treads (the platform
    ends at 1.5 m), their spawn height above the highest ground under them. Zero actions hold the
    default pose: the robot tips over down 0.2 m steps, and stands on the flat cell."""
    out = tmp_path / "report"
    run_sim2sim(
        "--policy", silent_policy(tmp_path), "--config", ENV_YAML, "--backend", "mujoco", "--sweep", "forward=0.5",
        "--terrain", "flat", "stairs_down:0.2", "--terrain_levels", 1, "--terrain_start", 2.0, "--num_envs", 4,
        "--duration", 2.0, "--settle", 0.5, "--out", out,
    )  # fmt: skip
    cells = {c["type"]: c for c in json.loads((out / "report.json").read_text())["terrain"]["cells"]}
    assert cells["flat"]["fall_rate"] == 0.0
    assert cells["stairs_down"]["fall_rate"] == 1.0


def test_this_projects_checkpoint_runs_on_terrain(tmp_path):
    checkpoint = fake_run(tmp_path / "run")
    out = tmp_path / "report"
    run_sim2sim(
        "--checkpoint", checkpoint, "--backend", "mujoco", "--terrain", "rough:0.05", "waves:0.1",
        "--terrain_levels", 1, "--num_envs", 4, "--duration", 1.0, "--settle", 0.5, "--out", out,
    )  # fmt: skip
    report = json.loads((out / "report.json").read_text())
    assert [c["type"] for c in report["terrain"]["cells"]] == ["rough", "waves"]
    assert report["terrain"]["judged"] == ["rough 0.05", "waves 0.1"]  # no flat: the easiest levels
    assert os.path.isfile(out / "terrain.png")


ROUGH_ENV_YAML = os.path.join(fixture_dir("isaac_go2_rough"), "params", "env.yaml")


@pytest.mark.skipif(not os.path.isfile(ROUGH_ENV_YAML), reason="shared fixtures not present")
def test_the_training_terrain_of_an_isaac_lab_env_yaml_is_rebuilt():
    generator, assumptions = isaac_terrain_generator(load_yaml(ROUGH_ENV_YAML), "env.yaml")
    assert {k: generator[k] for k in ("num_rows", "num_cols", "size", "border_width", "seed")} == {
        "num_rows": 10,
        "num_cols": 20,
        "size": [8.0, 8.0],
        "border_width": 20.0,
        "seed": 0,  # seed: null in the file
    }
    assert len(assumptions) == 1 and "seed null" in assumptions[0]
    subs = generator["sub_terrains"]
    assert subs["pyramid_stairs_inv"] == {
        "type": "pyramid_stairs",
        "proportion": 0.2,
        "border_width": 1.0,
        "step_height_range": [0.05, 0.23],  # an alias of the first stairs' anchor
        "step_width": 0.3,
        "platform_width": 3.0,
        "holes": False,
        "inverted": True,
    }
    assert subs["hf_pyramid_slope_inv"]["type"] == "pyramid_sloped" and subs["hf_pyramid_slope_inv"]["inverted"]
    sweep = training_terrain({**generator, "num_rows": 2, "num_cols": 10, "border_width": 1.0})
    assert [(c.type, c.level) for c in sweep.cells[:2]] == [("pyramid_stairs", 0), ("pyramid_stairs", 1)]
    # columns by cumulative proportion (0.2 0.2 0.2 0.2 0.1 0.1 over 10): each type's first column
    assert (
        len(sweep.cells) == 12 and sweep.grid_cells[:3] == [[0, 0], [1, 0], [0, 2]] and sweep.grid_cells[-1] == [1, 9]
    )
    assert 0.0 <= sweep.cells[0].value < 0.5 <= sweep.cells[1].value <= 1.0  # row difficulty (r + u) / rows


def test_an_unknown_terrain_function_or_no_generator_is_a_one_line_error():
    data = {"scene": {"terrain": {"terrain_type": "generator", "terrain_generator": {"sub_terrains": {
        "holes": {"function": "omni.isaac.orbit.terrains.trimesh.mesh_terrains:star_terrain", "proportion": 1.0},
    }}}}}  # fmt: skip
    with pytest.raises(UserError, match=r"sub_terrains.holes: terrain function 'star_terrain' is not generated here"):
        isaac_terrain_generator(data, "env.yaml")
    with pytest.raises(UserError, match=r"not a generated terrain \(terrain_type 'plane'\)"):
        isaac_terrain_generator({"scene": {"terrain": {"terrain_type": "plane"}}}, "env.yaml")
    with pytest.raises(UserError, match="--terrain training stands alone"):
        parse_terrain(["training", "flat"])
