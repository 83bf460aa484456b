"""Actuator laws: joint torques (N m) from joint state and targets, evaluated every physics substep."""

import jax.numpy as jnp
import numpy as np

from legged_mjx.errors import UserError
from legged_mjx.model import motor_actuators


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


LAWS = ("pd", "dc_motor")


class JointPositionActuators:
    """Joint-position actuation of the joints `joint_names`, all from config:

    target = action_offset + action_scale * action (rad), then every physics substep a torque law,
    `pd` (pd_torque, clipped to torque_limit) or `dc_motor` (dc_motor_torque), applied through each
    joint's MJCF <motor> as ctrl = torque / gear. Gains, scales, offsets and limits are a scalar or
    one value per joint; torque_limit None takes the MJCF motor's ctrlrange x gear.
    """

    def __init__(
        self, model, joint_names, action_scale, action_offset, kp, kd, law="pd", torque_limit=None, dc_motor=None
    ):
        if law not in LAWS:
            raise UserError(f"unknown actuator law '{law}' (known: {', '.join(LAWS)})")
        self.motors = motor_actuators(model, joint_names)
        n = len(joint_names)
        self.law, self.dc_motor, self.nu = law, dict(dc_motor or {}), model.nu
        limit = self.motors.torque_limit if torque_limit is None else torque_limit
        values = dict(action_scale=action_scale, action_offset=action_offset, kp=kp, kd=kd, torque_limit=limit)
        for name, value in values.items():
            array = np.asarray(value, np.float32)
            if array.ndim > 1 or array.size not in (1, n):
                raise UserError(f"actuator {name} needs a number or {n} values (one per joint), got {array.size}")
            setattr(self, name, np.broadcast_to(array, (n,)).copy())

    def targets(self, action):
        """Joint position targets (rad) from the policy action."""
        return self.action_offset + self.action_scale * action

    def torque(self, q, qd, targets, gain=1.0):
        """Joint torques (N m); kp and kd are multiplied by `gain` (motor-strength randomisation)."""
        kp, kd = self.kp * gain, self.kd * gain
        if self.law == "dc_motor":
            return dc_motor_torque(q, qd, targets, kp, kd, **self.dc_motor)
        return pd_torque(q, qd, targets, kp, kd, self.torque_limit)

    def ctrl(self, torque):
        """The model's ctrl vector (nu,) applying `torque` through the joints' motors."""
        return jnp.zeros(self.nu, jnp.float32).at[self.motors.ids].set(torque / self.motors.gear)
