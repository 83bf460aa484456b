"""The Go2 task core: standing, terminations, time-outs, auto-reset, latency, non-finite states."""

import math

import jax.numpy as jnp
import numpy as np
import pytest

from legged_mjx.math import roll_pitch


def zeros(task):
    return jnp.zeros(task.num_actions, jnp.float32)


def roll_quat(degrees: float):
    half = math.radians(degrees) / 2
    return jnp.array([math.cos(half), math.sin(half), 0.0, 0.0])


def test_stands_for_two_seconds_with_zero_actions(go2_task, go2_step, go2_reset):
    state = go2_reset()
    heights = []
    for _ in range(int(2.0 / go2_task.dt)):
        state = go2_step(state, zeros(go2_task))
        assert not bool(state.terminated)
        heights.append(float(state.physics.qpos[2]))
    assert 0.22 <= min(heights) and max(heights) <= 0.40
    roll, pitch = roll_pitch(state.physics.qpos[3:7])
    assert abs(math.degrees(roll)) < 5 and abs(math.degrees(pitch)) < 5


def test_default_spawn_height_settles_calmly(go2_task, go2_step, go2_reset):
    """From the default 0.30 m the base tilts by a few degrees at most (0.42 m reaches ~10.5)."""
    assert go2_task.cfg.env.spawn_height == pytest.approx(0.30)
    state, worst = go2_reset(), 0.0
    for _ in range(50):
        state = go2_step(state, zeros(go2_task))
        worst = max(worst, *(abs(math.degrees(float(a))) for a in roll_pitch(state.physics.qpos[3:7])))
    assert worst < 5.0


@pytest.mark.parametrize("degrees, fails", [(9.0, False), (11.0, True), (-11.0, True)])
def test_orientation_termination_threshold(go2_task, go2_reset, degrees, fails):
    state = go2_reset()
    for axis in (1, 2):  # roll about x, then pitch about y
        half = math.radians(degrees) / 2
        quat = jnp.zeros(4).at[0].set(math.cos(half)).at[axis].set(math.sin(half))
        physics = state.physics.replace(qpos=state.physics.qpos.at[3:7].set(quat))
        snap = go2_task.snapshot(physics, command=state.command, params=state.params)
        assert bool(go2_task.failures(snap)["orientation"]) is fails


def test_tilted_beyond_limit_terminates_and_resets(go2_task, go2_step, go2_reset):
    state = go2_reset()
    qpos = state.physics.qpos.at[3:7].set(roll_quat(11.0)).at[2].set(0.36)  # feet clear of the floor
    state = go2_step(state.replace(physics=state.physics.replace(qpos=qpos)), zeros(go2_task))
    assert bool(state.terminated) and not bool(state.truncated)
    assert float(state.ended_episode["Episode_Termination/orientation"]) == 1.0
    assert int(state.episode_step) == 0
    assert np.allclose(state.physics.qpos, go2_task.reset_physics.qpos)

    state = go2_reset()
    qpos = state.physics.qpos.at[3:7].set(roll_quat(9.0)).at[2].set(0.36)
    state = go2_step(state.replace(physics=state.physics.replace(qpos=qpos)), zeros(go2_task))
    assert not bool(state.terminated)


def test_time_out_is_a_truncation_then_auto_reset(go2_task, go2_step, go2_reset):
    state = go2_step(go2_reset(), zeros(go2_task))
    state = state.replace(episode_step=jnp.int32(go2_task.max_episode_length - 1), prev_action=jnp.ones(12))
    state = go2_step(state, zeros(go2_task))
    assert bool(state.truncated) and not bool(state.terminated)
    assert float(state.ended_episode["Episode_Termination/time_out"]) == 1.0
    assert float(state.ended_episode["Episode/length_s"]) == pytest.approx(20.0)
    # The returned state is already the next episode's first.
    assert int(state.episode_step) == 0
    assert np.allclose(state.physics.qpos, go2_task.reset_physics.qpos) and np.allclose(state.physics.qvel, 0)
    assert np.allclose(state.prev_action, 0)
    assert all(float(v) == 0.0 for v in state.episode_sums.values())
    assert go2_task.max_episode_length == 1000


def test_non_finite_physics_terminates_resets_and_never_leaks_nan(go2_task, go2_step, go2_reset):
    state = go2_reset()
    state = state.replace(physics=state.physics.replace(qvel=state.physics.qvel.at[7].set(jnp.nan)))
    state = go2_step(state, zeros(go2_task))
    assert bool(state.terminated)
    assert float(state.ended_episode["Episode_Termination/non_finite"]) == 1.0
    assert float(state.reward) == 0.0
    assert all(bool(jnp.isfinite(v).all()) for v in state.obs.values())
    assert bool(jnp.isfinite(state.physics.qpos).all())


def test_one_step_action_latency(go2_task, go2_step, go2_reset):
    """With latency on (default), a step applies the previous action, not the new one."""
    assert go2_task.cfg.env.action_latency
    state = go2_reset()
    big = jnp.full(12, 2.0)
    with_action, without = go2_step(state, big), go2_step(state, zeros(go2_task))
    assert np.allclose(with_action.physics.qpos, without.physics.qpos)
    assert np.allclose(with_action.prev_action, big)
    moved = go2_step(with_action, zeros(go2_task))
    held = go2_step(without, zeros(go2_task))
    assert not np.allclose(moved.physics.qpos, held.physics.qpos)


def test_actions_are_clipped_and_non_finite_actions_zeroed(go2_task, go2_step, go2_reset):
    state = go2_step(go2_reset(), jnp.full(12, 1e6))
    assert float(state.prev_action.max()) == go2_task.cfg.env.action_clip
    state = go2_step(go2_reset(), jnp.full(12, jnp.nan))
    assert not bool(state.action_was_finite)
    assert np.allclose(state.prev_action, 0)


def test_commands_are_sampled_in_range_and_resampled_every_4_s(go2_task, go2_step, go2_reset):
    assert go2_task.resample_steps == 200
    commands = np.stack([np.asarray(go2_reset(seed).command) for seed in range(30)])
    low = np.array([-1.0, -0.5, -0.6, 0.2, 0.0])
    high = np.array([2.0, 0.5, 0.6, 0.4, 0.0])
    assert (commands >= low).all() and (commands <= high).all()
    assert commands[:, 0].std() > 0.3  # really random across seeds
    state = go2_reset().replace(episode_step=jnp.int32(198))
    before = go2_step(state, zeros(go2_task))
    after = go2_step(before, zeros(go2_task))
    assert np.allclose(before.command, state.command) and not np.allclose(after.command, before.command)
