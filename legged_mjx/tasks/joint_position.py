"""A legged robot driven by joint-position targets through a PD or DC-motor law: every such robot
is this one class plus a config (MJCF, joints, default pose, gains, foot sensors). Go2 is one;
docs/architecture.md "Adding a robot" shows another.
"""

from dataclasses import dataclass, field

import jax.numpy as jnp
import numpy as np

from legged_mjx import math as lmath
from legged_mjx.actuators import JointPositionActuators
from legged_mjx.errors import UserError
from legged_mjx.model import joint_index, sensor_adr
from legged_mjx.model_edits import one_motor_per_joint
from legged_mjx.observations import register_obs_term
from legged_mjx.task import EnvCfg, LocomotionTask
from legged_mjx.terrain.body_contact import box_surface_points, touches_ground

# the torque each joint's motor applied in the last physics substep (Isaac Lab's joint_effort), N m
register_obs_term("joint_effort")(lambda s: s.extras["joint_torque"])


@dataclass
class JointPositionEnvCfg(EnvCfg):
    """EnvCfg plus the actuator model (actuators.JointPositionActuators) and a tilt termination.

    Per-joint values are a number or a list in the action order (action_joint_names, else
    joint_names). One action per joint: target q* = action_offset + action_scale x action (rad);
    "pd": tau = clip(kp (q* - q) - kd qd, +-torque_limit) before every physics substep; "dc_motor":
    Isaac Lab's DCMotor clip (its saturation_effort N m, velocity_limit rad/s, effort_limit N m in
    `dc_motor`). A missing action_offset entry, gains or limits of the wrong length, or an unknown
    actuator law are a UserError when the task is built. Go2's values: legged_mjx/tasks/go2.py;
    docs/architecture.md "Adding a robot"."""

    action_joint_names: list | None = None  # the action order, where it differs from joint_names (None: same)
    action_scale: float | list = 0.25  # target = offset + action_scale * action
    action_offset: dict | None = None  # joint name -> rad; None: the default pose
    kp: float | list = 20.0  # N m / rad
    kd: float | list = 0.5  # N m s / rad
    torque_limit: float | list | None = None  # N m; None: the MJCF motor's ctrlrange x gear
    actuator: str = "pd"  # "pd": PD clipped to torque_limit; "dc_motor": Isaac Lab's DCMotor
    dc_motor: dict = field(
        default_factory=lambda: {"saturation_effort": 23.5, "velocity_limit": 30.0, "effort_limit": 23.5}
    )
    foot_velocity_sensors: list = field(default_factory=list)  # optional framelinvel per foot (sim2sim slip)
    max_roll_pitch_deg: float = 10.0  # |roll| or |pitch| beyond this terminates the episode
    base_contact_geoms: list = field(default_factory=list)  # base box geoms whose touching the ground ends the episode
    min_base_height: float | None = None  # m above the ground under the height scan: a base below this
    # terminates (stands in for base contact where only the feet collide); None: no such termination
    soft_joint_pos_limit_factor: float = 1.0  # soft limits: the MJCF range shrunk about its middle (Isaac Lab)


def soft_limits(low: np.ndarray, high: np.ndarray, factor: float) -> np.ndarray:
    """(J, 2) [low, high] shrunk by `factor` about their middle (Isaac Lab's soft joint limits);
    an unlimited joint (infinite range) keeps its infinite range."""
    finite = np.isfinite(low) & np.isfinite(high)
    low, high = np.where(finite, low, 0.0), np.where(finite, high, 0.0)
    middle = (low + high) / 2
    half = np.where(finite, (high - low) / 2 * factor, np.inf)
    return np.stack([middle - half, middle + half], axis=1).astype(np.float32)


class JointPositionTask(LocomotionTask):
    """One action per joint in joint_names: its position target (see JointPositionEnvCfg)."""

    def edit_spec(self, spec, model) -> list:
        """The foot sensors, and one <motor> per controlled joint in joint order (model_edits)."""
        return [*super().edit_spec(spec, model), *one_motor_per_joint(spec, model, self.cfg.env.joint_names)]

    def setup(self) -> None:
        env = self.cfg.env
        names = env.action_joint_names or env.joint_names
        if sorted(names) != sorted(env.joint_names):
            raise UserError("action_joint_names must be the joints of joint_names, in the action's order")
        offset = env.action_offset or env.default_joint_pos
        missing = [n for n in names if n not in offset]
        if missing:
            raise UserError(f"action_offset missing for: {', '.join(missing)}")
        self.actuators = JointPositionActuators(
            self.mj_model,
            names,
            action_scale=env.action_scale,
            action_offset=[offset[n] for n in names],
            kp=env.kp,
            kd=env.kd,
            law=env.actuator,
            torque_limit=env.torque_limit,
            dc_motor=env.dc_motor,
        )
        self.action_joints = joint_index(self.mj_model, names)
        self.num_actions = len(names)
        self.foot_velocity_adr = sensor_adr(self.mj_model, env.foot_velocity_sensors)
        self.base_contact_points = box_surface_points(self.mj_model, env.base_contact_geoms, self.base_body)
        self.soft_joint_pos_limits = soft_limits(
            self.joints.range_low, self.joints.range_high, env.soft_joint_pos_limit_factor
        )

    def action_targets(self, action):
        return self.actuators.targets(action)

    def joint_torque(self, q, qd, targets, params: dict):
        """Joint torques (N m) of the actuator law, kp and kd x params["gain"] where sampled."""
        return self.actuators.torque(q, qd, targets, params.get("gain", 1.0))

    def control(self, physics, targets, params) -> tuple:
        q = physics.qpos[self.action_joints.qpos_adr]
        qd = physics.qvel[self.action_joints.dof_adr]
        return self.actuators.ctrl(self.joint_torque(q, qd, targets, params)), None

    def extras(self, physics, params) -> dict:
        """joint_torque (J,) N m in the action order and joint_acc (J,) rad/s^2 in joint_names order,
        of the last physics substep (its motors' ctrl x gear, clipped as MuJoCo clips ctrl; MuJoCo
        leaves qacc in qacc_warmstart), soft_joint_pos_limits (J, 2) rad, foot_vel_world (F, 3)
        m/s where foot velocity sensors are configured, and base_contact () bool where
        base_contact_geoms are: one of those boxes reaches the ground (terrain/body_contact.py;
        Isaac Lab's base_contact termination)."""
        motors = self.actuators.motors
        torque = jnp.clip(physics.ctrl[motors.ids] * motors.gear, -motors.torque_limit, motors.torque_limit)
        readings = {
            "joint_torque": torque,
            "joint_acc": physics.qacc_warmstart[self.joints.dof_adr],
            "soft_joint_pos_limits": jnp.asarray(self.soft_joint_pos_limits),
        }
        if len(self.foot_velocity_adr):
            readings["foot_vel_world"] = physics.sensordata[self.foot_velocity_adr].reshape(-1, 3)
        if len(self.base_contact_points):
            qpos = physics.qpos
            points = self.base_contact_points
            readings["base_contact"] = touches_ground(self.terrain.ground, qpos[0:3], qpos[3:7], points)
        return readings

    def failures(self, s) -> dict:
        roll, pitch = lmath.roll_pitch(s.base_quat_world)
        limit = np.deg2rad(self.cfg.env.max_roll_pitch_deg)
        failures = {"orientation": (jnp.abs(roll) > limit) | (jnp.abs(pitch) > limit)}
        if "base_contact" in s.extras:
            failures["base_contact"] = s.extras["base_contact"]
        if self.cfg.env.min_base_height is not None:
            failures["base_height"] = s.base_pos_world[2] - s.ground_height < self.cfg.env.min_base_height
        return failures
