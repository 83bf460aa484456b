"""Reward terms: pure functions of one environment's Snapshot and the reward config.

Each returns an unweighted scalar; `rewards.compute_rewards` multiplies it by its weight and
by the control dt. The docstring's first line is the term's formula.
"""

import jax.numpy as jnp

from legged_mjx.state import Snapshot


def tracking_lin_vel(s: Snapshot, cfg) -> jnp.ndarray:
    """exp(-sum_xy (cmd_v - v_body)^2 / sigma), sigma = cfg.tracking_sigma (m^2/s^2)."""
    error = jnp.sum(jnp.square(s.command[:2] - s.lin_vel_body[:2]))
    return jnp.exp(-error / cfg.tracking_sigma)


def tracking_lin_vel_world(s: Snapshot, cfg) -> jnp.ndarray:
    """exp(-sum_xy (cmd_v - v_world)^2 / sigma): tracking in the world frame (heading-free)."""
    error = jnp.sum(jnp.square(s.command[:2] - s.lin_vel_world[:2]))
    return jnp.exp(-error / cfg.tracking_sigma)


def tracking_ang_vel(s: Snapshot, cfg) -> jnp.ndarray:
    """exp(-(cmd_wz - w_z)^2 / sigma), w_z in the body frame (rad/s)."""
    return jnp.exp(-jnp.square(s.command[2] - s.ang_vel_body[2]) / cfg.tracking_sigma)


def lin_vel_z(s: Snapshot, cfg) -> jnp.ndarray:
    """v_z^2, body-frame vertical velocity (m^2/s^2)."""
    return jnp.square(s.lin_vel_body[2])


def base_height(s: Snapshot, cfg) -> jnp.ndarray:
    """(z - h_ground - h_cmd)^2: base height (m) above the mean ground under the height scan
    (Snapshot.ground_height, 0 on a flat floor) against the height command (command[3])."""
    return jnp.square(s.base_pos_world[2] - s.ground_height - s.command[3])


def action_rate(s: Snapshot, cfg) -> jnp.ndarray:
    """sum (a_t - a_{t-1})^2 over the action dimensions."""
    return jnp.sum(jnp.square(s.action - s.prev_action))


def similar_to_default(s: Snapshot, cfg) -> jnp.ndarray:
    """sum |q - q_default| over the task's joints (rad)."""
    return jnp.sum(jnp.abs(s.joint_pos - s.default_joint_pos))


def joint_vel_l2(s: Snapshot, cfg) -> jnp.ndarray:
    """sum qd^2 over the task's joints (rad^2/s^2)."""
    return jnp.sum(jnp.square(s.joint_vel))


# ----- Isaac Lab's mdp terms (go2-velocity: unitree_rl_lab's Go2 task; go2-rough: Isaac Lab's Go2 rough) --


def ang_vel_xy_l2(s: Snapshot, cfg) -> jnp.ndarray:
    """sum_xy w^2, body-frame roll and pitch rates (rad^2/s^2)."""
    return jnp.sum(jnp.square(s.ang_vel_body[:2]))


def flat_orientation_l2(s: Snapshot, cfg) -> jnp.ndarray:
    """sum_xy g_body^2: the tilt of the base (projected gravity off the body z axis)."""
    return jnp.sum(jnp.square(s.gravity_body[:2]))


def joint_acc_l2(s: Snapshot, cfg) -> jnp.ndarray:
    """sum qdd^2 over the task's joints (rad^2/s^4), the accelerations of the last physics substep."""
    return jnp.sum(jnp.square(s.extras["joint_acc"]))


def joint_torques_l2(s: Snapshot, cfg) -> jnp.ndarray:
    """sum tau^2 over the task's joints (N^2 m^2), the torques of the last physics substep."""
    return jnp.sum(jnp.square(s.extras["joint_torque"]))


def energy(s: Snapshot, cfg) -> jnp.ndarray:
    """sum |qd| |tau| over the task's joints (W): mechanical power, unitree_rl_lab's `energy`."""
    return jnp.sum(jnp.abs(s.joint_vel) * jnp.abs(s.extras["joint_torque"]))


def joint_pos_limits(s: Snapshot, cfg) -> jnp.ndarray:
    """sum of max(lo - q, 0) + max(q - hi, 0) over joints (rad), [lo, hi] the soft joint limits."""
    low, high = s.extras["soft_joint_pos_limits"][:, 0], s.extras["soft_joint_pos_limits"][:, 1]
    return jnp.sum(jnp.maximum(low - s.joint_pos, 0.0) + jnp.maximum(s.joint_pos - high, 0.0))


def joint_position_penalty(s: Snapshot, cfg, stand_still_scale=5.0, velocity_threshold=0.3) -> jnp.ndarray:
    """|q - q_default|_2 (rad), x5 when the velocity command is zero and |v_xy| < 0.3 m/s (standing)."""
    moving = (jnp.linalg.norm(s.command[:3]) > 0.0) | (jnp.linalg.norm(s.lin_vel_body[:2]) > velocity_threshold)
    deviation = jnp.linalg.norm(s.joint_pos - s.default_joint_pos)
    return jnp.where(moving, deviation, stand_still_scale * deviation)


def feet_air_time(s: Snapshot, cfg, threshold=0.5) -> jnp.ndarray:
    """sum over feet touching down of (last air time - 0.5 s), 0 while |cmd_xy| <= 0.1 m/s."""
    timers = s.foot_timers
    reward = jnp.sum((timers["last_air_time"] - threshold) * timers["first_contact"])
    return jnp.where(jnp.linalg.norm(s.command[:2]) > 0.1, reward, 0.0)


def air_time_variance(s: Snapshot, cfg) -> jnp.ndarray:
    """var(min(last air time, 0.5)) + var(min(last contact time, 0.5)) across feet (s^2, n - 1)."""
    timers = s.foot_timers
    air, stance = jnp.minimum(timers["last_air_time"], 0.5), jnp.minimum(timers["last_contact_time"], 0.5)
    return jnp.var(air, ddof=1) + jnp.var(stance, ddof=1)


def is_terminated(s: Snapshot, cfg) -> jnp.ndarray:
    """1 where this step ends the episode in a failure (a time-out is none), else 0 (Isaac Lab's)."""
    return s.terminated.astype(jnp.float32)


def feet_slide(s: Snapshot, cfg) -> jnp.ndarray:
    """sum over feet in contact of |v_foot,xy| (m/s, world frame): sliding feet."""
    speed = jnp.linalg.norm(s.extras["foot_vel_world"][:, :2], axis=1)
    return jnp.sum(speed * s.foot_contact)
