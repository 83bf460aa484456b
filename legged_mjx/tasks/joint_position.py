"""A legged robot driven by joint-position targets through a PD or DC-motor law: every such robot
is this one class plus a config (MJCF, joints, default pose, gains, foot sensors). Go2 is one;
README "Adding a robot" shows another.
"""

from dataclasses import dataclass, field

import jax.numpy as jnp
import numpy as np

from legged_mjx import math as lmath
from legged_mjx.actuators import JointPositionActuators
from legged_mjx.errors import UserError
from legged_mjx.model import sensor_adr
from legged_mjx.task import EnvCfg, LocomotionTask
from legged_mjx.terrain.body_contact import box_surface_points, touches_ground


@dataclass
class JointPositionEnvCfg(EnvCfg):
    """EnvCfg plus the actuator model (actuators.JointPositionActuators) and a tilt termination.

    Per-joint values are a number or a list in joint_names order."""

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


class JointPositionTask(LocomotionTask):
    """One action per joint in joint_names: its position target (see JointPositionEnvCfg)."""

    def setup(self) -> None:
        env = self.cfg.env
        offset = env.action_offset or env.default_joint_pos
        missing = [n for n in env.joint_names if n not in offset]
        if missing:
            raise UserError(f"action_offset missing for: {', '.join(missing)}")
        self.actuators = JointPositionActuators(
            self.mj_model,
            env.joint_names,
            action_scale=env.action_scale,
            action_offset=[offset[n] for n in env.joint_names],
            kp=env.kp,
            kd=env.kd,
            law=env.actuator,
            torque_limit=env.torque_limit,
            dc_motor=env.dc_motor,
        )
        self.num_actions = len(env.joint_names)
        self.foot_velocity_adr = sensor_adr(self.mj_model, env.foot_velocity_sensors)
        self.base_contact_points = box_surface_points(self.mj_model, env.base_contact_geoms, self.base_body)

    def action_targets(self, action):
        return self.actuators.targets(action)

    def joint_torque(self, q, qd, targets, params: dict):
        """Joint torques (N m) of the actuator law, kp and kd x params["gain"] where sampled."""
        return self.actuators.torque(q, qd, targets, params.get("gain", 1.0))

    def control(self, physics, targets, params) -> tuple:
        q = physics.qpos[self.joints.qpos_adr]
        qd = physics.qvel[self.joints.dof_adr]
        return self.actuators.ctrl(self.joint_torque(q, qd, targets, params)), None

    def extras(self, physics, params) -> dict:
        """base_contact: a base_contact_geoms box reaches the ground (terrain/body_contact.py; Isaac
        Lab's base_contact termination)."""
        if not len(self.base_contact_points):
            return {}
        qpos = physics.qpos
        return {"base_contact": touches_ground(self.terrain.ground, qpos[0:3], qpos[3:7], self.base_contact_points)}

    def failures(self, s) -> dict:
        roll, pitch = lmath.roll_pitch(s.base_quat_world)
        limit = np.deg2rad(self.cfg.env.max_roll_pitch_deg)
        failures = {"orientation": (jnp.abs(roll) > limit) | (jnp.abs(pitch) > limit)}
        if "base_contact" in s.extras:
            failures["base_contact"] = s.extras["base_contact"]
        return failures
