"""Actuator laws: joint torques (N m) from joint state and targets, evaluated every physics substep."""

import jax.numpy as jnp


def pd_torque(q, qd, q_target, kp, kd, torque_limit):
    """Explicit PD with a symmetric clip: tau = clip(kp (q* - q) - kd qd, -limit, limit)."""
    return jnp.clip(kp * (q_target - q) - kd * qd, -torque_limit, torque_limit)


def dc_motor_torque(q, qd, q_target, kp, kd, saturation_effort, velocity_limit, effort_limit):
    """Isaac Lab's DCMotor: the PD torque clipped to a speed-dependent torque-speed curve.

    tau_max = clip(sat (1 - qd / v_max), max=effort), tau_min = clip(sat (-1 - qd / v_max), min=-effort).
    """
    tau = kp * (q_target - q) - kd * qd
    tau_max = jnp.minimum(saturation_effort * (1.0 - qd / velocity_limit), effort_limit)
    tau_min = jnp.maximum(saturation_effort * (-1.0 - qd / velocity_limit), -effort_limit)
    return jnp.clip(tau, tau_min, tau_max)


def linkage_knee_target(motor_angle, motor_range=jnp.pi, knee_range=1.74532925):
    """BALLU's four-bar / cable linkage: knee target = motor / pi * 1.74532925 (both in rad)."""
    return motor_angle / motor_range * knee_range


def spring_pd_knee_torque(q, qd, q_target, spring_coef, spring_damping, preload, kp, kd, torque_limit):
    """BALLU knee: torsion spring plus PD, clipped.

    tau = clip(-2 k (q + q_pre) - c qd + Kp (q* - q) + Kd (0 - qd), -limit, limit).
    """
    tau = -2.0 * spring_coef * (q + preload) - spring_damping * qd + kp * (q_target - q) - kd * qd
    return jnp.clip(tau, -torque_limit, torque_limit)
