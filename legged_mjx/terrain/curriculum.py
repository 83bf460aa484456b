"""Isaac Lab's terrain curriculum `terrain_levels_vel`, for one environment at the reset that ends
its episode (pure JAX; vmap for batches)."""

import jax
import jax.numpy as jnp


def terrain_levels_vel(level, distance, command_speed, key, *, sub_terrain_length, episode_length_s, num_levels):
    """The next level: up one if the robot walked farther than half a sub-terrain
    (distance > sub_terrain_length / 2), down one if it walked less than half of what its command
    asked over a full episode (distance < |command_xy| episode_length_s / 2, and not up); a level
    past the last is replaced by a uniformly random one, and levels stay >= 0.

    level: () int32; distance: () m from the sub-terrain origin; command_speed: () m/s.
    """
    distance, command_speed = jnp.asarray(distance), jnp.asarray(command_speed)
    move_up = distance > sub_terrain_length / 2
    move_down = (distance < command_speed * episode_length_s * 0.5) & ~move_up
    level = level + move_up.astype(jnp.int32) - move_down.astype(jnp.int32)
    random_level = jax.random.randint(key, (), 0, num_levels, dtype=jnp.int32)
    return jnp.where(level >= num_levels, random_level, jnp.maximum(level, 0))
