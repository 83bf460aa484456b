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
    """(z - h_cmd)^2, base height z (m) above the mean ground under the height scan against the height command (command[3])."""
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


def ang_vel_xy_l2(s: Snapshot, cfg) -> jnp.ndarray:
    """w_x^2 + w_y^2, body-frame roll and pitch rates (rad^2/s^2) (Isaac Lab ang_vel_xy_l2)."""
    return jnp.sum(jnp.square(s.ang_vel_body[:2]))


def joint_torques_l2(s: Snapshot, cfg) -> jnp.ndarray:
    """sum tau^2 over the task's joints, motor torques of the last substep (N^2 m^2) (Isaac Lab joint_torques_l2)."""
    return jnp.sum(jnp.square(s.joint_torque))


def joint_acc_l2(s: Snapshot, cfg) -> jnp.ndarray:
    """sum qdd^2 over the task's joints, accelerations of the last substep (rad^2/s^4) (Isaac Lab joint_acc_l2)."""
    return jnp.sum(jnp.square(s.joint_acc))


def feet_air_time(s: Snapshot, cfg) -> jnp.ndarray:
    """sum over feet touching down of (swing time - cfg.feet_air_time_threshold) s, 0 when |cmd_xy| <= 0.1 m/s (Isaac Lab feet_air_time)."""
    reward = jnp.sum((s.feet_air_time - cfg.feet_air_time_threshold) * s.feet_first_contact)
    return reward * (jnp.linalg.norm(s.command[:2]) > 0.1)
