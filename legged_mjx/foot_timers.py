"""Per-foot air and contact timers, as Isaac Lab's ContactSensor keeps them (`track_air_time`),
updated once per control step from the feet's contact flags.

    air_time, contact_time            (F,) s: time since the foot left / touched the ground
    last_air_time, last_contact_time  (F,) s: length of the foot's last completed swing / stance
    first_contact                     (F,) bool: the foot touched down in this step

Isaac Lab updates them every physics substep; here a control step (dt) is the resolution, which
is what its reward terms (feet_air_time's `first_contact` within one step_dt) look at anyway.
"""

import jax.numpy as jnp

TIMERS = ("air_time", "contact_time", "last_air_time", "last_contact_time")


def initial_timers(num_feet: int) -> dict:
    """Timers of a fresh episode: every foot on the ground for no time yet, no last swing or stance."""
    zeros = jnp.zeros(num_feet, jnp.float32)
    return {**{name: zeros for name in TIMERS}, "first_contact": jnp.zeros(num_feet, bool)}


def update_timers(timers: dict, contact: jnp.ndarray, dt: float) -> dict:
    """The timers after a control step of dt seconds that ends with feet `contact` ((F,) bool)."""
    was_in_air = timers["air_time"] > 0
    was_on_ground = timers["contact_time"] > 0
    touchdown = contact & was_in_air
    liftoff = ~contact & was_on_ground
    return {
        "air_time": jnp.where(contact, 0.0, timers["air_time"] + dt),
        "contact_time": jnp.where(contact, timers["contact_time"] + dt, 0.0),
        "last_air_time": jnp.where(touchdown, timers["air_time"] + dt, timers["last_air_time"]),
        "last_contact_time": jnp.where(liftoff, timers["contact_time"] + dt, timers["last_contact_time"]),
        "first_contact": touchdown,
    }
