"""Episode statistics on the device: ring buffers of the last `window` finished episodes whose
contents do not depend on the order a GPU applies a scatter's updates in."""

import jax
import jax.numpy as jnp
import numpy as np

from legged_mjx.batch import EpisodeStats, ring_slots


def test_more_finished_episodes_than_slots_write_each_slot_once():
    """10 environments finish in one step into a window of 4 (as 4096 environments falling at
    once do into rsl_rl's 100): only the last 4 in environment order are written, each to its own
    slot, continuing after next_slot."""
    done = jnp.array([1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1], bool)  # 10 finished
    slots = np.asarray(ring_slots(done, jnp.int32(3), 4))
    kept = slots < 4
    assert sorted(slots[kept]) == [0, 1, 2, 3]  # each slot once
    # the finished ones are the 0th..9th; kept: 6th..9th (environments 8..11) at (3 + k) % 4
    assert kept.nonzero()[0].tolist() == [8, 9, 10, 11]
    assert slots[kept].tolist() == [(3 + k) % 4 for k in (6, 7, 8, 9)]


def test_fewer_finished_episodes_than_slots_are_all_kept():
    done = jnp.array([0, 1, 0, 1], bool)
    assert np.asarray(ring_slots(done, jnp.int32(2), 4)).tolist() == [4, 2, 4, 3]


def flags(values):
    """ended_episode entries: one metric plus the termination flag the statistics count."""
    n = len(values)
    return {"Episode/length_s": jnp.asarray(values, jnp.float32), "Episode_Termination/non_finite": jnp.zeros(n)}


def test_the_window_holds_the_last_episodes_and_their_mean():
    stats = EpisodeStats.create(["Episode/length_s", "Episode_Termination/non_finite"], window=4)
    update = jax.jit(EpisodeStats.update)
    finite = jnp.ones(6, bool)
    stats = update(stats, jnp.array([1, 0, 1, 0, 0, 0], bool), flags([1.0, 9, 2, 9, 9, 9]), finite)
    assert np.asarray(stats.buffers["Episode/length_s"]).tolist() == [1, 2, 0, 0] and int(stats.filled) == 2
    assert float(stats.log[0]) == 1.5  # Episode/length_s sorts first
    stats = update(stats, jnp.ones(6, bool), flags([3.0, 4, 5, 6, 7, 8]), finite)  # 6 finish: 5..8 kept
    # k-th finished (k = 0..5) to slot (2 + k) % 4: 3 and 4 would go to slots 2 and 3, which 7 and 8 take
    assert np.asarray(stats.buffers["Episode/length_s"]).tolist() == [5, 6, 7, 8]
    assert int(stats.filled) == 4 and int(stats.next_slot) == (2 + 6) % 4
    assert float(stats.log[0]) == 6.5 and stats.log_names[0] == "Episode/length_s"
    assert stats.log_names[-1] == "Stats/non_finite_resets_total" and float(stats.log[-1]) == 0.0
