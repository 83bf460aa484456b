"""Unitree Go2 velocity tracking with the go2_train setup (reference: shared/reference/go2.md)."""

from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np

from legged_mjx import math as lmath
from legged_mjx.actuators import dc_motor_torque, pd_torque
from legged_mjx.commands import CommandCfg
from legged_mjx.errors import UserError
from legged_mjx.joint_orders import go2_joint_names
from legged_mjx.model import asset_path, motor_actuators, sensor_adr
from legged_mjx.observations import ObsCfg, ObsTerm
from legged_mjx.task import EnvCfg, LocomotionTask, TaskCfg
from legged_mjx.training import ppo_train_config
from rewards import RewardCfg

GO2_LEGS = ("FL", "FR", "RL", "RR")
GO2_DEFAULT_POSE = {
    **{f"{leg}_hip_joint": 0.0 for leg in GO2_LEGS},
    "FL_thigh_joint": 0.8,
    "FR_thigh_joint": 0.8,
    "RL_thigh_joint": 1.0,
    "RR_thigh_joint": 1.0,
    **{f"{leg}_calf_joint": -1.5 for leg in GO2_LEGS},
}


@dataclass
class Go2EnvCfg(EnvCfg):
    xml_path: str = asset_path("go2", "scene.xml")
    # Standing height is about 0.27 m; from 0.30 m the robot settles calmly (see README).
    spawn_height: float = 0.30
    joint_names: list = field(default_factory=lambda: go2_joint_names("genesis"))
    default_joint_pos: dict = field(default_factory=lambda: dict(GO2_DEFAULT_POSE))
    foot_contact_sensors: list = field(default_factory=lambda: [f"{leg}_foot_contact" for leg in GO2_LEGS])
    foot_velocity_sensors: list = field(default_factory=lambda: [f"{leg}_foot_vel" for leg in GO2_LEGS])
    action_scale: float | list = 0.3  # target = offset + action_scale * action (go2_train code: 0.25)
    action_offset: dict | None = None  # joint name -> rad; None: the default pose
    kp: float | list = 20.0  # N m / rad, scalar or per joint (joint_names order)
    kd: float | list = 0.5  # N m s / rad
    actuator: str = "pd"  # "pd": clip to the motor limits of the MJCF; "dc_motor": Isaac Lab DCMotor
    dc_motor: dict = field(
        default_factory=lambda: {"saturation_effort": 23.5, "velocity_limit": 30.0, "effort_limit": 23.5}
    )
    max_roll_pitch_deg: float = 10.0  # |roll| or |pitch| beyond this terminates the episode


def go2_policy_terms() -> list:
    return [
        ObsTerm("base_lin_vel", 2.0),
        ObsTerm("base_ang_vel", 0.25),
        ObsTerm("projected_gravity"),
        ObsTerm("commands", [2.0, 2.0, 0.25, 2.0, 2.0]),
        ObsTerm("joint_pos_rel", 1.0),
        ObsTerm("joint_vel", 0.05),
        ObsTerm("last_action"),
    ]


def go2_config() -> TaskCfg:
    privileged = [ObsTerm("base_height"), ObsTerm("foot_contact"), ObsTerm("base_lin_vel"), ObsTerm("base_ang_vel")]
    return TaskCfg(
        env=Go2EnvCfg(),
        obs=ObsCfg(groups={"policy": go2_policy_terms(), "critic": go2_policy_terms() + privileged}),
        reward=RewardCfg(
            weights={
                "tracking_lin_vel": 1.0,
                "tracking_ang_vel": 0.2,
                "lin_vel_z": -1.0,
                "base_height": -50.0,
                "action_rate": -0.005,
                "similar_to_default": -0.1,
            },
            tracking_sigma=0.25,
        ),
        command=CommandCfg(
            names=["lin_vel_x", "lin_vel_y", "ang_vel_z", "height", "jump"],
            # The jump slot stays 0: the reference's jump range [0.5, 1.5] applies only to a
            # triggered jump, and there are no jump rewards yet.
            ranges={
                "lin_vel_x": [-1.0, 2.0],
                "lin_vel_y": [-0.5, 0.5],
                "ang_vel_z": [-0.6, 0.6],
                "height": [0.2, 0.4],
                "jump": [0.0, 0.0],
            },
            resample_s=4.0,
        ),
    )


class Go2Task(LocomotionTask):
    """12 joint-position actions through a PD (or DC-motor) law running every physics substep."""

    def setup(self) -> None:
        env = self.cfg.env
        if env.actuator not in ("pd", "dc_motor"):
            raise UserError(f"unknown actuator law '{env.actuator}' (known: pd, dc_motor)")
        self.num_actions = len(env.joint_names)
        self.actuators = motor_actuators(self.mj_model, env.joint_names)
        self.foot_velocity_adr = sensor_adr(self.mj_model, env.foot_velocity_sensors)
        self.kp, self.kd, self.action_scale = (
            np.broadcast_to(np.asarray(value, np.float32), (self.num_actions,))
            for value in (env.kp, env.kd, env.action_scale)
        )
        offset = env.action_offset or env.default_joint_pos
        missing = [n for n in env.joint_names if n not in offset]
        if missing:
            raise UserError(f"action_offset missing for: {', '.join(missing)}")
        self.action_offset = np.asarray([offset[n] for n in env.joint_names], np.float32)

    def action_targets(self, action: jax.Array) -> jax.Array:
        return self.action_offset + self.action_scale * action

    def joint_torque(self, q, qd, targets, params: dict) -> jax.Array:
        """Joint torques (N m) of the actuator law; kp and kd are multiplied by params["gain"]
        where a task samples one (gain-perturbation studies)."""
        gain = params.get("gain", 1.0)
        kp, kd = self.kp * gain, self.kd * gain
        if self.cfg.env.actuator == "dc_motor":
            return dc_motor_torque(q, qd, targets, kp, kd, **self.cfg.env.dc_motor)
        return pd_torque(q, qd, targets, kp, kd, self.actuators.torque_limit)

    def control(self, physics, targets, params) -> tuple:
        q = physics.qpos[self.joints.qpos_adr]
        qd = physics.qvel[self.joints.dof_adr]
        torque = self.joint_torque(q, qd, targets, params)
        ctrl = jnp.zeros(self.mj_model.nu, jnp.float32).at[self.actuators.ids].set(torque / self.actuators.gear)
        return ctrl, None

    def failures(self, s) -> dict:
        roll, pitch = lmath.roll_pitch(s.base_quat_world)
        limit = np.deg2rad(self.cfg.env.max_roll_pitch_deg)
        return {"orientation": (jnp.abs(roll) > limit) | (jnp.abs(pitch) > limit)}


def go2_train_config() -> dict:
    """go2_train's PPO setup (Genesis example / quadrupeds_locomotion) in rsl-rl-lib 5.x form."""
    return ppo_train_config(
        num_steps_per_env=24,
        max_iterations=10000,
        hidden_dims=[512, 256, 128],
        init_std=1.0,
        learning_rate=1e-3,
        max_grad_norm=1.0,
        obs_normalization=False,
        seed=1,
    )
