"""The terrain generator against Isaac Lab's formulas: each sub-terrain type's heights at known
points, the grid layout (difficulty grows along rows, types by proportion, origins), determinism,
and the config's checks. Pure numpy: no physics."""

import numpy as np
import pytest

from legged_mjx.errors import UserError
from legged_mjx.terrain.base import Grid
from legged_mjx.terrain.config import TerrainGeneratorCfg
from legged_mjx.terrain.generator import column_types, generate
from legged_mjx.terrain.heightfield import FlatCfg, PyramidSlopedCfg, RandomUniformCfg, WaveCfg
from legged_mjx.terrain.presets import ROUGH, terrain_preset
from legged_mjx.terrain.primitives import PyramidStairsCfg, RandomGridCfg

GRID = Grid(size=(8.0, 8.0), horizontal_scale=0.1, vertical_scale=0.005)
ROUGH_SUBS = TerrainGeneratorCfg.from_dict(ROUGH).sub_terrains
RNG = np.random.default_rng


def box_ground(sub, x: float, y: float) -> float:
    """The highest box top over (x, y) of a box sub-terrain (its floor where none)."""
    covering = [b[5] for b in sub.boxes if b[0] <= x <= b[3] and b[1] <= y <= b[4]]
    return max(covering, default=sub.heights[1, 1])


def test_flat_is_zero_with_the_origin_at_the_centre():
    sub = FlatCfg().geometry(0.7, GRID, RNG(0))
    assert sub.heights.shape == (81, 81) and not sub.heights.any()
    np.testing.assert_array_equal(sub.origin, [4.0, 4.0, 0.0])


def test_random_uniform_heights_lie_on_the_noise_steps_inside_a_zero_border():
    cfg = ROUGH_SUBS["random_rough"]  # Go2: noise 0.01..0.06 in steps of 0.01, border 0.25 m
    sub = cfg.geometry(0.3, GRID, RNG(1))
    border = int(0.25 / 0.1) + 1  # Isaac Lab: 3 vertices per side stay at 0
    inner = sub.heights[border:-border, border:-border]
    assert inner.shape == (75, 75)
    assert not sub.heights[:border].any() and not sub.heights[-border:].any() and not sub.heights[:, :border].any()
    levels = np.round(inner / 0.01, 6)
    assert set(np.unique(levels)) == {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}  # every step of 0.01..0.06 occurs, nothing else
    # the difficulty is ignored, as in Isaac Lab: the same draws at any difficulty
    np.testing.assert_array_equal(cfg.geometry(0.9, GRID, RNG(1)).heights, sub.heights)
    x1, x2 = int(3.0 / 0.1), int(5.0 / 0.1)  # origin: the highest point within 1 m of the centre
    assert sub.origin[2] == pytest.approx(sub.heights[x1 - 1 : x2, x1 - 1 : x2].max(), abs=0.011)


def test_random_uniform_downsampled_is_a_smooth_interpolation_of_the_coarse_draws():
    cfg = RandomUniformCfg(noise_range=(0.0, 0.1), noise_step=0.02, downsampled_scale=0.5)
    inner = cfg.geometry(0.0, GRID, RNG(2)).heights[1:-1, 1:-1]
    assert inner.min() >= -0.04 and inner.max() <= 0.14  # a cubic spline overshoots its samples a little
    # smooth between samples 0.5 m apart: neighbours differ far less than independent draws (~0.04 m)
    assert np.abs(np.diff(inner, axis=0)).mean() < 0.02


@pytest.mark.parametrize("difficulty", [0.25, 1.0])
def test_pyramid_slope_rises_at_its_slope_to_a_flat_platform(difficulty):
    cfg = ROUGH_SUBS["hf_pyramid_slope"]  # slope 0..0.4 by difficulty, platform 2 m, border 0.25 m
    sub = cfg.geometry(difficulty, GRID, RNG(0))
    slope = 0.4 * difficulty
    centre_line = sub.heights[:, 40]
    rising = centre_line[3:25]  # from the border's edge towards the platform along x
    gradient = np.polyfit(0.1 * np.arange(len(rising)), rising, 1)[0]
    assert gradient == pytest.approx(slope, rel=0.03, abs=0.005)  # Isaac Lab: slope x (3.75 / 3.7), quantised
    platform = sub.heights[31:50, 31:50]
    assert np.ptp(platform) == 0 and platform[0, 0] == sub.origin[2] == sub.heights.max()
    inverted = ROUGH_SUBS["hf_pyramid_slope_inv"].geometry(difficulty, GRID, RNG(0))
    np.testing.assert_allclose(inverted.heights, -sub.heights, atol=0.0051)  # int() truncation toward 0
    assert inverted.origin[2] == inverted.heights.min() < 0


@pytest.mark.parametrize("inverted", [False, True])
def test_pyramid_stairs_step_height_width_and_platform(inverted):
    cfg = ROUGH_SUBS["pyramid_stairs_inv" if inverted else "pyramid_stairs"]  # 0.05..0.23 m, 0.3 m, border 1 m
    sub = cfg.geometry(0.5, GRID, RNG(0))
    h = 0.05 + 0.5 * (0.23 - 0.05)
    sign = -1 if inverted else 1
    assert cfg.num_steps(GRID) == 6  # (8 - 2 - 3) // 0.6 + 1 = 6 in floating point, as Isaac Lab computes it
    assert box_ground(sub, 0.5, 4.0) == 0.0  # the 1 m border
    for k in range(6):  # tread k spans 1 + 0.3 k .. 1 + 0.3 (k + 1) m from the edge, at (k + 1) h
        for inset in (1.0 + 0.3 * k + 0.05, 1.0 + 0.3 * (k + 1) - 0.05):
            assert box_ground(sub, inset, 4.0) == pytest.approx(sign * (k + 1) * h)
            assert box_ground(sub, 4.0, 8.0 - inset) == pytest.approx(sign * (k + 1) * h)
    assert box_ground(sub, 4.0, 4.0) == pytest.approx(sign * 7 * h)  # the platform: 6 - 2 x 1.8 = 2.4 m wide
    assert box_ground(sub, 2.85, 5.15) == pytest.approx(sign * 7 * h)
    np.testing.assert_allclose(sub.origin, [4.0, 4.0, sign * 7 * h])


def test_random_grid_cells_platform_and_border():
    cfg = ROUGH_SUBS["boxes"]  # Go2: +-0.025..0.1 m cells of 0.45 m, platform 2 m
    sub = cfg.geometry(1.0, GRID, RNG(3))
    g = 0.1
    half_border = (8.0 - 17 * 0.45) / 2
    assert box_ground(sub, half_border / 2, 4.0) == 0.0
    tops = [
        box_ground(sub, half_border + 0.45 * (i + 0.5), half_border + 0.45 * (j + 0.5))
        for i in range(17)
        for j in range(17)
        if min(i, j) < 4
    ]
    assert min(tops) >= -g and max(tops) <= g and np.std(tops) > g / 3  # uniform in +-g
    assert box_ground(sub, 4.0, 4.0) == pytest.approx(g) and sub.origin[2] == pytest.approx(g)
    # cells are 0.45 m: a cell's top is the same across it and (almost surely) differs from its neighbour's
    x0 = half_border + 0.45
    assert box_ground(sub, x0 + 0.01, 1.0) == box_ground(sub, x0 + 0.44, 1.0) != box_ground(sub, x0 - 0.01, 1.0)


def test_wave_amplitude_and_wavelength():
    cfg = WaveCfg(amplitude_range=(0.0, 0.2), num_waves=2, border_width=0.25)
    sub = cfg.geometry(0.5, GRID, RNG(0))
    inner = sub.heights[3:-3, 3:-3]
    amplitude = 0.1
    assert inner.max() == pytest.approx(amplitude, abs=0.006) and inner.min() == pytest.approx(-amplitude, abs=0.006)
    along_y = inner[0] - inner[0].mean()  # cos term along y: 2 waves over the 7.5 m inner width
    spectrum = np.abs(np.fft.rfft(along_y))
    assert np.argmax(spectrum) == 2


def test_rough_layout_rows_are_difficulty_and_columns_types():
    cfg = TerrainGeneratorCfg.from_dict({**terrain_preset("rough"), "num_rows": 4, "border_width": 1.0})
    terrain = generate(cfg)
    # 20 columns by proportion 0.2 x 4, 0.1 x 2: 4 stairs, 4 inverted stairs, 4 boxes, 4 rough, 2 + 2 slopes
    np.testing.assert_array_equal(column_types(cfg), [0] * 4 + [1] * 4 + [2] * 4 + [3] * 4 + [4] * 2 + [5] * 2)
    np.testing.assert_array_equal(terrain.types, np.tile(column_types(cfg), (4, 1)))
    # row r has difficulty in [r / 4, (r + 1) / 4): strictly increasing along every column
    assert (
        (terrain.difficulty >= np.arange(4)[:, None] / 4) & (terrain.difficulty < np.arange(1, 5)[:, None] / 4)
    ).all()
    # ... and so does the geometry: stairs' platforms rise, pits deepen, slopes' platforms rise
    assert (np.diff(terrain.origins[:, 0:4, 2], axis=0) > 0).all()
    assert (np.diff(terrain.origins[:, 4:8, 2], axis=0) < 0).all()
    assert (np.diff(terrain.origins[:, 16:18, 2], axis=0) >= 0).all() and terrain.origins[3, 16, 2] > 0.4
    # Isaac Lab's placement: row along x, column along y, grid centred; origins at sub-terrain centres
    np.testing.assert_allclose(terrain.origins[0, 0, :2], [-16 + 4, -80 + 4])
    np.testing.assert_allclose(terrain.origins[3, 19, :2], [16 - 4, 80 - 4])
    assert terrain.heights.shape == (4 * 80 + 1 + 20, 20 * 80 + 1 + 20)
    assert terrain.corner == pytest.approx((-17.0, -81.0))


def test_generation_is_deterministic_per_seed_and_per_cell():
    small = {**terrain_preset("rough"), "num_rows": 2, "num_cols": 10, "border_width": 0.5}
    a, b = generate(TerrainGeneratorCfg.from_dict(small)), generate(TerrainGeneratorCfg.from_dict(small))
    np.testing.assert_array_equal(a.heights, b.heights)
    c = generate(TerrainGeneratorCfg.from_dict({**small, "seed": 1}))
    assert not np.array_equal(a.heights, c.heights)
    # one more row leaves the first rows' cells untouched (each cell has its own generator)
    d = generate(TerrainGeneratorCfg.from_dict({**small, "num_rows": 3}))
    np.testing.assert_allclose(d.difficulty[:2] * 3, a.difficulty * 2, rtol=1e-12)  # the same jitter u per cell
    np.testing.assert_array_equal(d.types[:2], a.types)


def test_sweep_layout_without_jitter_spans_the_range_exactly():
    sweep = {
        "num_rows": 5,
        "num_cols": 2,
        "border_width": 0.5,
        "jitter": False,
        "sub_terrains": {"up": {"type": "pyramid_sloped", "slope_range": [0.0, 0.4]}, "flat": {"type": "flat"}},
    }
    terrain = generate(TerrainGeneratorCfg.from_dict(sweep))
    np.testing.assert_allclose(terrain.difficulty[:, 0], [0.0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_array_equal(terrain.types[0], [0, 1])


def test_random_layout_draws_types_by_proportion():
    cfg = {"curriculum": False, "num_rows": 20, "num_cols": 20, "size": [1.0, 1.0], "border_width": 0.0}
    cfg["sub_terrains"] = {"a": {"type": "flat", "proportion": 0.75}, "b": {"type": "flat", "proportion": 0.25}}
    terrain = generate(TerrainGeneratorCfg.from_dict(cfg))
    assert np.mean(terrain.types == 0) == pytest.approx(0.75, abs=0.06)
    assert 0.0 <= terrain.difficulty.min() and terrain.difficulty.max() <= 1.0 and np.std(terrain.difficulty) > 0.2


def test_boxes_rasterised_into_the_heightfield_take_the_upper_step_at_an_edge():
    cfg = {"num_rows": 1, "num_cols": 1, "border_width": 0.0, "primitives": "heightfield"}
    cfg["sub_terrains"] = {
        "stairs": {
            "type": "pyramid_stairs",
            "step_height_range": [0.1, 0.1],
            "step_width": 0.3,
            "platform_width": 3.0,
            "border_width": 1.0,
        }
    }
    terrain = generate(TerrainGeneratorCfg.from_dict(cfg))
    row = terrain.heights[:, 40]  # along x through the centre; vertex i at x = -4 + 0.1 i
    np.testing.assert_allclose(row[:10], 0.0)  # the border, up to the first step's edge at 1.0 m (vertex 10)
    np.testing.assert_allclose(
        row[10:14], [0.1, 0.1, 0.1, 0.2], atol=1e-12
    )  # edges at 1.0 and 1.3 m take the upper step
    assert len(terrain.boxes) == 0
    as_boxes = generate(TerrainGeneratorCfg.from_dict({**cfg, "primitives": "boxes"}))
    assert len(as_boxes.boxes) == 7 and not as_boxes.heights.any()  # 6 nested steps + platform on a floor at 0


@pytest.mark.parametrize(
    "change, message",
    [
        ({"size": [8.05, 8.0]}, "multiples of horizontal_scale"),
        ({"sub_terrains": {"x": {"type": "stairs"}}}, "needs a type"),
        ({"sub_terrains": {"x": {"type": "wave", "amplitude": 1}}}, "unknown keys amplitude"),
        ({"colour": "none"}, "unknown terrain.generator keys: colour"),
        ({"difficulty_range": [0.5, 0.2]}, "difficulty_range"),
        ({"primitives": "mesh"}, "primitives must be one of"),
    ],
)
def test_bad_generator_configs_are_user_errors(change, message):
    with pytest.raises(UserError, match=message):
        TerrainGeneratorCfg.from_dict({**terrain_preset("rough"), **change})


def test_config_round_trips_through_plain_data():
    cfg = TerrainGeneratorCfg.from_dict(terrain_preset("rough"))
    assert cfg.to_dict() == {**TerrainGeneratorCfg().to_dict(), **ROUGH, "sub_terrains": cfg.to_dict()["sub_terrains"]}
    assert TerrainGeneratorCfg.from_dict(cfg.to_dict()) == cfg
    assert (
        isinstance(cfg.sub_terrains["pyramid_stairs_inv"], PyramidStairsCfg)
        and cfg.sub_terrains["pyramid_stairs_inv"].inverted
    )
    assert isinstance(cfg.sub_terrains["boxes"], RandomGridCfg) and isinstance(
        cfg.sub_terrains["random_rough"], RandomUniformCfg
    )
    assert isinstance(cfg.sub_terrains["hf_pyramid_slope"], PyramidSlopedCfg)
