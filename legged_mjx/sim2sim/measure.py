"""Per-step measurements of one environment (pure JAX, vmapped), the same on every backend and for
every task: what is measured comes from the MJCF (its `motor` actuators) and the task config (its
joints, its foot velocity sensors), not from a robot's class.

Torques are the controls the last physics substep applied, as MuJoCo applies them (ctrl x gear,
clipped to the motor's ctrlrange x gear); contacts and foot velocities come from the model's
sensors, which MuJoCo evaluates at the start of that substep.
"""

import jax.numpy as jnp
import mujoco

from legged_mjx.model import joint_index, motor_actuators, sensor_adr

LIMIT_MARGIN = 0.01  # rad: a joint within this of an end of its MJCF range counts as a limit hit


class Measure:
    """measure(snap, physics) -> the scalars of one control step of `task`.

    vx, vy (m/s, body frame), wz (rad/s, body frame); base_xy (2,) the base's world position (m);
    over the model's motor actuators (Go2: 12,
    BALLU: 4 knees and motor arms) torque_abs = mean_j |tau_j| and torque_peak = max_j |tau_j| (N m),
    power = sum_j |tau_j qd_j| (W); action_rate = sum_i (a_i - a_prev_i)^2; limit_hits = number of the
    task's joints within LIMIT_MARGIN of a range end. Where the config names foot velocity sensors
    (`env.foot_velocity_sensors`, one `framelinvel` per foot, in foot_contact_sensors' order): slip =
    sum over feet in contact of the horizontal foot speed (m/s) and contacts = number of feet in contact.
    """

    def __init__(self, task):
        self.task = task
        model = task.mj_model
        driven = [
            model.joint(int(model.actuator_trnid[a, 0])).name
            for a in range(model.nu)
            if model.actuator_trntype[a] == mujoco.mjtTrn.mjTRN_JOINT
        ]
        self.motors = motor_actuators(model, driven)
        self.motor_dof_adr = joint_index(model, driven).dof_adr
        foot_velocity_sensors = getattr(task.cfg.env, "foot_velocity_sensors", [])
        self.foot_slip = bool(foot_velocity_sensors)  # slip and contacts are measured
        self.foot_velocity_adr = sensor_adr(model, foot_velocity_sensors) if self.foot_slip else None

    def __call__(self, snap, physics) -> dict:
        motors, joints = self.motors, self.task.joints
        torque = jnp.clip(physics.ctrl[motors.ids] * motors.gear, -motors.torque_limit, motors.torque_limit)
        low, high = joints.range_low + LIMIT_MARGIN, joints.range_high - LIMIT_MARGIN
        measured = {
            "vx": snap.lin_vel_body[0],
            "vy": snap.lin_vel_body[1],
            "wz": snap.ang_vel_body[2],
            "base_xy": snap.base_pos_world[:2],
            "torque_abs": jnp.abs(torque).mean(),
            "torque_peak": jnp.abs(torque).max(),
            "power": jnp.abs(torque * physics.qvel[self.motor_dof_adr]).sum(),
            "action_rate": jnp.square(snap.action - snap.prev_action).sum(),
            "limit_hits": ((snap.joint_pos <= low) | (snap.joint_pos >= high)).sum().astype(jnp.float32),
        }
        if self.foot_slip:
            contact = snap.foot_contact.astype(jnp.float32)
            foot_speed = jnp.linalg.norm(physics.sensordata[self.foot_velocity_adr].reshape(-1, 3)[:, :2], axis=1)
            measured.update(slip=(contact * foot_speed).sum(), contacts=contact.sum())
        return measured
