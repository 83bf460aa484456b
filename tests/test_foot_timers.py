"""Foot air/contact timers against a hand-stepped contact sequence (Isaac Lab's ContactSensor rules)."""

import jax.numpy as jnp
import numpy as np
import pytest

from legged_mjx.foot_timers import initial_timers, update_timers


def test_a_swing_and_a_stance_are_timed_and_touchdown_flagged():
    dt = 0.02
    timers = initial_timers(2)
    # foot 0: ground 2 steps, air 3 steps, ground again; foot 1 stays on the ground
    sequence = [(1, 1), (1, 1), (0, 1), (0, 1), (0, 1), (1, 1)]
    flags = []
    for contact in sequence:
        timers = update_timers(timers, jnp.asarray(contact, bool), dt)
        flags.append(np.asarray(timers["first_contact"]).tolist())
    assert flags == [[False, False]] * 5 + [[True, False]]
    assert np.asarray(timers["last_air_time"]) == pytest.approx(
        [4 * dt, 0.0]
    )  # 3 steps in the air + the touchdown step
    assert np.asarray(timers["last_contact_time"]) == pytest.approx([3 * dt, 0.0])  # 2 steps + the lift-off step
    assert np.asarray(timers["contact_time"]) == pytest.approx([dt, 6 * dt])
    assert np.asarray(timers["air_time"]) == pytest.approx([0.0, 0.0])
