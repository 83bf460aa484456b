"""The ground lookup and height scan against MuJoCo's own ray cast (mj_ray) on the compiled model,
the scan's value on flat ground, and its point order and yaw alignment on a tilted plane."""

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest

from legged_mjx.tasks import make_task
from legged_mjx.terrain.config import TerrainGeneratorCfg
from legged_mjx.terrain.generator import generate
from legged_mjx.terrain.ground import Ground
from legged_mjx.terrain.height_scan import grid_pattern, scan_points
from legged_mjx.terrain.scene import add_terrain
from legged_mjx.model import asset_path
from tests.helpers import all_terrain_types, ray_ground

TOLERANCE = 1e-4  # m; float32 lookup vs float64 ray: measured <= 7e-6 on 20,000 points of the rough preset


@pytest.mark.parametrize("primitives", ["heightfield", "boxes"])
def test_ground_equals_mj_ray_on_every_sub_terrain_type(primitives):
    task = make_task("go2-rough", **{"terrain.generator": all_terrain_types(num_rows=2, primitives=primitives)})
    rng = np.random.default_rng(0)
    xy = rng.uniform([-9.0, -33.0], [9.0, 33.0], size=(3000, 2))  # the 2 x 8 grid of 8 m cells and its border
    ours = np.asarray(jax.jit(task.terrain.ground)(jnp.asarray(xy, jnp.float32)))
    np.testing.assert_allclose(ours, ray_ground(task.mj_model, xy), atol=TOLERANCE)
    assert np.ptp(ours) > 1.0  # stairs and pits: the points do sample rough ground


def test_height_scan_is_base_height_minus_ray_hits_minus_offset(go2_rough_task):
    task = go2_rough_task
    physics = jax.tree.map(jnp.asarray, task.reset_physics)
    pose = jnp.array([1.3, -9.6, 0.9, np.cos(0.4), 0.0, 0.0, np.sin(0.4)])  # yaw 0.8 rad over the slope
    physics = physics.replace(qpos=physics.qpos.at[0:7].set(pose))
    snap = task.snapshot(physics, command=jnp.zeros(3), params={})
    points = np.asarray(scan_points(pose[0:3], pose[3:7], task.terrain.pattern))
    expected = 0.9 - ray_ground(task.mj_model, points) - 0.5
    np.testing.assert_allclose(snap.height_scan, expected, atol=TOLERANCE)
    assert snap.height_scan.shape == (187,)
    assert float(snap.ground_height) == pytest.approx(float(np.mean(0.9 - 0.5 - expected)), abs=TOLERANCE)


def test_height_scan_on_flat_ground_is_base_height_minus_offset(go2_task, go2_reset):
    state = go2_reset()
    snap = go2_task.snapshot(state.physics, command=state.command, params=state.params)
    np.testing.assert_array_equal(snap.height_scan, np.full(187, state.physics.qpos[2] - 0.5, np.float32))
    assert float(snap.ground_height) == 0.0  # go2's base_height terms are unchanged on its flat floor


def test_grid_pattern_is_isaac_labs_order():
    pattern = grid_pattern([1.6, 1.0], 0.1, "xy")
    assert pattern.shape == (187, 2)
    x, y = np.linspace(-0.8, 0.8, 17), np.linspace(-0.5, 0.5, 11)
    np.testing.assert_allclose(pattern[:, 0], np.tile(x, 11), atol=1e-9)  # x fastest
    np.testing.assert_allclose(pattern[:, 1], np.repeat(y, 17), atol=1e-9)  # y slowest
    yx = grid_pattern([1.6, 1.0], 0.1, "yx")
    np.testing.assert_allclose(yx[:, 1], np.tile(y, 17), atol=1e-9)


def tilted_plane_ground(slope_x: float) -> Ground:
    """The ground z = slope_x * x (a heightfield over 4 m x 4 m) in Go2's scene."""
    cfg = TerrainGeneratorCfg.from_dict(
        {"num_rows": 1, "num_cols": 1, "size": [4.0, 4.0], "border_width": 0.0, "sub_terrains": {"f": {"type": "flat"}}}
    )
    terrain = generate(cfg)
    xs = terrain.corner[0] + 0.1 * np.arange(terrain.heights.shape[0])
    terrain.heights = slope_x * np.repeat(xs[:, None], terrain.heights.shape[1], axis=1)
    spec = mujoco.MjSpec.from_file(asset_path("go2", "scene.xml"))
    add_terrain(spec, terrain)
    return Ground(spec.compile(), terrain)


@pytest.mark.parametrize("roll_pitch", [(0.0, 0.0), (0.3, -0.2)])
def test_a_tilted_plane_puts_its_gradient_along_the_fast_index_and_turns_with_yaw_only(roll_pitch):
    ground, pattern = tilted_plane_ground(0.2), grid_pattern([1.6, 1.0], 0.1, "xy")

    def scan(yaw):
        roll, pitch = roll_pitch  # the base's roll and pitch must not move the pattern (yaw-aligned)
        quat = np.zeros(4)
        mujoco.mju_euler2Quat(quat, np.array([roll, pitch, yaw]), "XYZ")  # extrinsic: Rz(yaw) Ry Rx
        base = jnp.array([0.0, 0.0, 0.5])
        return np.asarray(0.5 - ground(scan_points(base, jnp.asarray(quat), pattern)) - 0.5).reshape(11, 17)

    facing_x = scan(0.0)  # ground rises 0.2 per metre along the base's x = the 17-point fast index
    np.testing.assert_allclose(np.diff(facing_x, axis=1), -0.02, atol=1e-5)
    np.testing.assert_allclose(np.diff(facing_x, axis=0), 0.0, atol=1e-5)
    facing_y = scan(np.pi / 2)  # turned 90 deg: the base's y points along -x, the gradient moves to the slow index
    np.testing.assert_allclose(np.diff(facing_y, axis=0), 0.02, atol=1e-5)
    np.testing.assert_allclose(np.diff(facing_y, axis=1), 0.0, atol=1e-5)
