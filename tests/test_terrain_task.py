"""go2-rough's terrain in the task: standing on every sub-terrain type on the native and MJX
backends (and their agreement), spawning, the terrain_levels_vel curriculum at reset and its mean
level in the log, go2-rough's layout, base contact, the feet_air_time reward from the foot timers, rebuilding a run's
terrain bit for bit, and the robots that stay on flat ground."""

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest

from legged_mjx.batch import BatchedEnv
from legged_mjx.config import to_dict
from legged_mjx.errors import UserError
from legged_mjx.math import roll_pitch
from legged_mjx.obs_layout import obs_layout
from legged_mjx.run_config import run_config
from legged_mjx.run_folders import save_run_configs
from legged_mjx.tasks import make_task, task_config
from legged_mjx.terrain.curriculum import terrain_levels_vel

BACKENDS = ("mujoco", "mjx")
NUM_ENVS = 16  # environment i on column i % 8: every sub-terrain type twice
STAND_STEPS = 100  # 2 s at 50 Hz


@pytest.fixture(scope="session")
def rough_runs(go2_rough_task):
    """backend -> (batch, first state, states of 2 s of zero actions) on the 2 x 8 all-types grid."""
    runs = {}
    for backend in BACKENDS:
        batch = BatchedEnv(go2_rough_task, num_envs=NUM_ENVS, seed=0, backend=backend)
        state, stats = batch.reset()
        first, states = jax.tree.map(np.asarray, state), []
        for _ in range(STAND_STEPS):
            state, stats = batch.step(state, stats, jnp.zeros((NUM_ENVS, 12)))
            states.append(jax.tree.map(np.asarray, state))
        runs[backend] = batch, first, states
    return runs


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_go2_stands_two_seconds_at_the_origin_of_every_sub_terrain_type(rough_runs, backend):
    batch, first, states = rough_runs[backend]
    task = batch.task
    np.testing.assert_array_equal(first.params["terrain_type"], np.arange(NUM_ENVS) % 8)
    assert not any(s.done.any() for s in states)  # no fall, no base contact
    origins = task.terrain.terrain.origins[first.params["terrain_level"], first.params["terrain_type"]]
    np.testing.assert_allclose(first.physics.qpos[:, :3], origins + [0, 0, 0.35], atol=1e-6)  # origin + spawn height
    last = states[-1]
    qpos = last.physics.qpos
    mean_ground = np.mean(qpos[:, 2:3] - 0.5 - last.obs["policy"][:, -187:], axis=1)  # from the (unclipped here) scan
    assert (qpos[:, 2] - mean_ground > 0.22).all()  # standing on its legs, not collapsed
    roll, pitch = jax.vmap(roll_pitch)(jnp.asarray(qpos[:, 3:7], jnp.float32))
    # a fall passes 70 deg; feet on 1-6 cm bumps or a wave's slope tilt the base by up to ~15 deg
    assert np.degrees(np.abs(np.r_[roll, pitch])).max() < 20.0
    assert np.abs(qpos[:, :2] - origins[:, :2]).max() < 0.2  # stayed (the landing pushes it by up to ~13 cm)


def test_native_and_mjx_agree_on_rough_ground(rough_runs):
    (_, first_native, native), (_, first_mjx, mjx) = (rough_runs[b] for b in BACKENDS)
    np.testing.assert_allclose(first_native.obs["policy"], first_mjx.obs["policy"], atol=1e-6)  # same pose, same scan
    worst = {key: 0.0 for key in ("base", "joints", "scan", "reward")}
    for n, m in zip(native, mjx):
        worst["base"] = max(worst["base"], np.abs(n.physics.qpos[:, :3] - m.physics.qpos[:, :3]).max())
        worst["joints"] = max(worst["joints"], np.abs(n.physics.qpos[:, 7:] - m.physics.qpos[:, 7:]).max())
        worst["scan"] = max(worst["scan"], np.abs(n.obs["policy"][:, -187:] - m.obs["policy"][:, -187:]).max())
        worst["reward"] = max(worst["reward"], np.abs(n.reward - m.reward).max())
    # measured: base 5.2 mm, scan 6.9 mm, joints 0.019 rad, reward 3.7e-3: the two engines' heightfield
    # collisions place contacts differently (docs/terrain.md); on the flat floor they agree far closer
    assert worst["base"] < 1e-2 and worst["scan"] < 1e-2 and worst["joints"] < 0.05 and worst["reward"] < 1e-2, worst


def test_spawn_headings_cover_the_circle(rough_runs):
    _, first, _ = rough_runs["mujoco"]
    w, z = first.physics.qpos[:, 3], first.physics.qpos[:, 6]
    yaw = 2 * np.arctan2(z, w)
    assert np.abs(first.physics.qpos[:, 4:6]).max() == 0.0  # heading only
    assert np.abs(yaw).max() <= 3.14 + 1e-6 and np.ptp(yaw) > 3.0


def test_terrain_levels_vel_moves_up_down_and_past_the_last_level():
    key = jax.random.PRNGKey(0)

    def next_level(level, distance, speed):
        return int(
            terrain_levels_vel(
                jnp.int32(level), distance, speed, key, sub_terrain_length=8.0, episode_length_s=20.0, num_levels=10
            )
        )

    assert next_level(3, 4.1, 2.0) == 4  # farther than half a sub-terrain: up, even if short of the command
    assert next_level(3, 3.9, 0.5) == 2  # less than half of 0.5 m/s x 20 s = 5 m: down
    assert next_level(3, 3.0, 0.2) == 3  # between: stays (needed 2 m)
    assert next_level(0, 0.0, 1.0) == 0  # never below 0
    solved = {
        int(
            terrain_levels_vel(
                jnp.int32(9),
                5.0,
                0.0,
                jax.random.PRNGKey(k),
                sub_terrain_length=8.0,
                episode_length_s=20.0,
                num_levels=10,
            )
        )
        for k in range(40)
    }
    assert solved <= set(range(10)) and len(solved) > 5  # past the last level: a random level


def test_curriculum_moves_levels_at_reset_and_logs_the_mean_level(rough_runs):
    batch, _, _ = rough_runs["mujoco"]
    task = batch.task
    state, stats = batch.reset()
    level = np.asarray(state.params["terrain_level"])
    assert set(level) <= {0, 1}  # max_init_terrain_level 5 on a 2-row grid
    assert _logged(stats, "Curriculum/terrain_levels") == pytest.approx(level.mean())
    # every episode times out in the next step; environments 0..7 are first carried 5 m away
    qpos = np.array(state.physics.qpos)
    qpos[:8, 0] += 5.0
    state = batch.commit(state.replace(physics=state.physics.replace(qpos=qpos)))
    state = state.replace(episode_step=jnp.full(NUM_ENVS, task.max_episode_length - 1, jnp.int32))
    before = state
    state, stats = batch.step(state, stats, jnp.zeros((NUM_ENVS, 12)))
    assert np.asarray(state.truncated | state.terminated).all()
    moved, stayed = np.asarray(state.params["terrain_level"])[:8], np.asarray(state.params["terrain_level"])[8:]
    np.testing.assert_array_equal(moved[level[:8] == 0], 1)  # up from 0; from 1 (the last row) a random level
    origins = task.terrain.terrain.origins[level, np.arange(NUM_ENVS) % 8]
    walked = np.linalg.norm(np.asarray(state.pre_reset["physics"].qpos)[:, :2] - origins[:, :2], axis=1)
    speed = np.linalg.norm(np.asarray(before.command)[:, :2], axis=1)
    assert (walked[:8] > 4.0).all() and (walked[8:] < 1.0).all()
    expected = np.where(walked < speed * 20.0 * 0.5, np.maximum(level - 1, 0), level)[8:]  # short of the command: down
    np.testing.assert_array_equal(stayed, expected)
    np.testing.assert_array_equal(state.params["terrain_type"], np.arange(NUM_ENVS) % 8)  # columns never change
    assert _logged(stats, "Curriculum/terrain_levels") == pytest.approx(
        np.asarray(state.params["terrain_level"]).mean()
    )


def test_fixed_cells_place_each_environment_on_its_own_sub_terrain_near_its_origin():
    cells = [[1, 7], [0, 3]]
    task = make_task("go2-rough", **{"terrain.generator": {**_small_grid(), "num_rows": 2}, "terrain.cells": cells})
    reset = jax.jit(jax.vmap(task.reset))
    state = reset(jax.random.split(jax.random.PRNGKey(0), 64), jnp.arange(64))
    np.testing.assert_array_equal(state.params["terrain_level"][:4], [1, 0, 1, 0])
    np.testing.assert_array_equal(state.params["terrain_type"][:4], [7, 3, 7, 3])
    origins = task.terrain.terrain.origins[state.params["terrain_level"], state.params["terrain_type"]]
    offset = np.asarray(state.physics.qpos[:, :2]) - origins[:, :2]  # go2-rough: Isaac Lab's +-0.5 m, +-3.14 rad
    assert np.abs(offset).max() <= 0.5 and np.abs(offset).max() > 0.4
    yaw = 2 * np.arctan2(np.asarray(state.physics.qpos[:, 6]), np.asarray(state.physics.qpos[:, 3]))
    assert np.abs(yaw).max() <= 3.14 + 1e-6 and np.ptp(yaw) > 5.0
    cell = task.terrain.next_cell(
        {k: v[0] for k, v in state.params.items()}, jnp.array([100.0, 0.0]), jnp.ones(3), jax.random.PRNGKey(1)
    )
    assert (int(cell["terrain_level"]), int(cell["terrain_type"])) == (1, 7)  # no curriculum with fixed cells
    with pytest.raises(UserError, match="terrain.cells must lie in"):
        make_task("go2-rough", **{"terrain.generator": _small_grid(), "terrain.cells": [[1, 0]]})


def test_base_contact_is_the_trunk_reaching_the_ground(go2_rough_task, go2_task, go2_reset):
    task = go2_rough_task
    physics = jax.tree.map(jnp.asarray, task.reset_physics)

    def touching(x, y, z, pitch=0.0, yaw=0.0):
        quat = np.zeros(4)
        mujoco.mju_euler2Quat(quat, np.array([0.0, pitch, yaw]), "XYZ")
        qpos = physics.qpos.at[0:7].set(jnp.asarray(np.r_[x, y, z, quat], jnp.float32))
        snap = task.snapshot(physics.replace(qpos=qpos), command=jnp.zeros(3), params={})
        return bool(task.failures(snap)["base_contact"])

    # the flat cell (column 0, y in [-32, -24]); the trunk box reaches 0.055 m below the base
    assert not touching(0.0, -28.0, 0.27) and not touching(0.0, -28.0, 0.06)
    assert touching(0.0, -28.0, 0.05)
    assert not touching(0.0, -28.0, 0.15) and touching(0.0, -28.0, 0.15, pitch=1.2)  # nose down: its front corner
    # stairs up (column 4, row 0): the trunk lying across the second step (0.3 m deep), 2 cm above it
    terrain, stairs = task.terrain.terrain, task.terrain.generator.sub_terrains["stairs_up"]
    step = stairs.step_height_range[0] + terrain.difficulty[0, 4] * np.diff(stairs.step_height_range)[0]
    edge, y = terrain.origins[0, 4, 0] - 4.0 + 1.3, terrain.origins[0, 4, 1]  # the second step starts 1.3 m in
    z = 2 * step + 0.055 + 0.02
    assert not touching(edge + 0.15, y, z, yaw=np.pi / 2)  # the trunk (0.09 m wide along x) on the tread
    assert touching(edge + 0.28, y, z, yaw=np.pi / 2)  # its front 2.5 cm over the third, higher step
    flat = go2_task.snapshot(go2_reset().physics, command=jnp.zeros(5), params={})
    assert set(go2_task.failures(flat)) == {"orientation"}  # go2 itself is unchanged


def test_go2_rough_is_go2_velocity_with_isaac_labs_rough_layout(go2_rough_task):
    """Policy: Isaac Lab's 48 flat terms in its order, then the 187-point scan (235); critic:
    go2-velocity's 60 and the scan; base contact and a 45.8 deg tilt end an episode."""
    layout = obs_layout(go2_rough_task)
    policy = [(t["name"], t["size"]) for t in layout["policy"]]
    assert policy == [
        ("base_lin_vel", 3),
        ("base_ang_vel", 3),
        ("projected_gravity", 3),
        ("velocity_commands", 3),
        ("joint_pos_rel", 12),
        ("joint_vel_rel", 12),
        ("last_action", 12),
        ("height_scan", 187),
    ]
    assert sum(t["size"] for t in layout["critic"]) == 247 and layout["critic"][-1]["name"] == "height_scan"
    env, velocity = go2_rough_task.cfg.env, task_config("go2-velocity")
    assert env.base_contact_geoms == ["trunk"] and env.min_base_height is None
    assert env.max_roll_pitch_deg == pytest.approx(45.8) and env.kp == 25.0 and env.action_scale == 0.25
    assert go2_rough_task.cfg.reward.weights == velocity.reward.weights
    assert not go2_rough_task.cfg.reward.only_positive_rewards


def test_go2_rough_feet_air_time_reward_reads_the_foot_timers(rough_runs):
    batch, _, states = rough_runs["mujoco"]
    weight, dt = batch.task.cfg.reward.weights["feet_air_time"], batch.task.dt
    touchdowns = 0
    for state in states:  # no episode ends and no command is resampled in these 2 s
        timers = state.foot_timers
        moving = np.linalg.norm(state.command[:, :2], axis=1) > 0.1
        expected = weight * dt * np.sum((timers["last_air_time"] - 0.5) * timers["first_contact"], axis=1) * moving
        np.testing.assert_allclose(state.reward_terms["feet_air_time"], expected, rtol=1e-5, atol=1e-9)
        touchdowns += int((timers["first_contact"] & moving[:, None]).sum())
    assert touchdowns >= NUM_ENVS  # every robot lands from its spawn height (feet clear of the ground)


def test_a_runs_terrain_is_rebuilt_bit_for_bit_from_its_saved_config(go2_rough_task, tmp_path):
    cfg = go2_rough_task.cfg
    save_run_configs(str(tmp_path), {"task": "go2-rough", **to_dict(cfg), "train": {}})
    (tmp_path / "model_1.pt").write_bytes(b"")  # play.py and collect_trajectories.py start from a checkpoint's folder
    name, saved, _ = run_config(str(tmp_path / "model_1.pt"), None)
    rebuilt = make_task(name, saved)
    for field in ("hfield_data", "geom_pos", "geom_size", "geom_type"):
        assert getattr(rebuilt.mj_model, field).tobytes() == getattr(go2_rough_task.mj_model, field).tobytes()
    assert rebuilt.terrain.terrain.origins.tobytes() == go2_rough_task.terrain.terrain.origins.tobytes()


def test_domain_randomisation_and_pushes_work_on_terrain():
    from legged_mjx.tasks import randomization_overrides

    overrides = {**randomization_overrides("go2-rough", "unitree"), "domain_rand.push_interval_s": [0.1, 0.2]}
    task = make_task("go2-rough", **{"terrain.generator": _small_grid(), **overrides})
    batch = BatchedEnv(task, num_envs=8, seed=0, backend="mujoco")
    state, stats = batch.reset()
    assert {"friction", "added_base_mass", "terrain_level"} <= set(state.params)
    for _ in range(20):
        state, stats = batch.step(state, stats, jnp.zeros((8, 12)))
    assert np.isfinite(np.asarray(state.physics.qpos)).all() and int(stats.non_finite_total) == 0
    assert len(batch.backend._variants) > 1  # per-environment friction and mass models, each with the terrain
    assert all(model.nhfield == 1 for model in batch.backend._variants.values())


def test_ballu_stays_on_flat_ground():
    with pytest.raises(UserError, match="flat floor only"):
        make_task("ballu", **{"terrain.generator": _small_grid()})


def _small_grid() -> dict:
    return {
        "num_rows": 1,
        "num_cols": 8,
        "size": [2.0, 2.0],
        "border_width": 0.5,
        "sub_terrains": {"f": {"type": "flat"}},
    }


def _logged(stats, name: str) -> float:
    """The value rsl_rl's extras["log"] gets for `name` from the batch's statistics."""
    return float(dict(zip(stats.log_names, np.asarray(stats.log)))[name])
