"""BALLU: a balloon-assisted biped (reference: shared/reference/ballu.md).

Buoyancy and balloon drag act at the balloon centre through xfrc_applied; each knee is driven
through the motor-to-knee linkage by a spring + PD law; the motor arms track their commanded
angles with a PD law. All of it is computed in JAX every physics substep.
"""

from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np

from legged_mjx.actuators import linkage_knee_target, pd_torque, spring_pd_knee_torque
from legged_mjx.commands import CommandCfg
from legged_mjx.errors import UserError
from legged_mjx.forces import buoyancy_force, drag_force, wrench_at_point
from legged_mjx.model import asset_path, body_ids, motor_actuators, sensor_adr
from legged_mjx.observations import ObsCfg, ObsTerm, register_obs_term
from legged_mjx.task import EnvCfg, LocomotionTask, TaskCfg
from legged_mjx.training import ppo_train_config
from rewards import RewardCfg

BALLU_JOINTS = ["NECK", "HIP_LEFT", "HIP_RIGHT", "KNEE_LEFT", "KNEE_RIGHT", "MOTOR_LEFT", "MOTOR_RIGHT"]
TIBIA_IMU_SENSORS = [f"tibia_{side}_{kind}" for side in ("left", "right") for kind in ("quat", "gyro", "acc")]


@dataclass
class BalluEnvCfg(EnvCfg):
    xml_path: str = asset_path("ballu", "scene.xml")
    spawn_height: float = 1.2  # pelvis height at reset (m): feet start ~0.45 m up and the robot settles
    action_latency: bool = False
    joint_names: list = field(default_factory=lambda: list(BALLU_JOINTS))
    default_joint_pos: dict = field(
        default_factory=lambda: {
            "NECK": 0.0,
            "HIP_LEFT": 0.0175,
            "HIP_RIGHT": 0.0175,
            "KNEE_LEFT": 0.471,
            "KNEE_RIGHT": 0.471,
            "MOTOR_LEFT": 0.1745,
            "MOTOR_RIGHT": 0.1745,
        }
    )
    foot_contact_sensors: list = field(default_factory=lambda: ["foot_left_contact", "foot_right_contact"])
    # motor target = clip(action_offset + action_scale * action, 0, pi): action in [-1, 1] spans [0, pi]
    action_offset: float = float(np.pi / 2)
    action_scale: float = float(np.pi / 2)
    GCR: float = 0.84  # gravity compensation ratio: buoyancy = GCR * m_total * g
    GCR_range: list | None = None  # [lo, hi]: sample GCR per environment at every reset
    spcf: float = 0.005  # knee spring coefficient k (N m / rad)
    drag: float = 0.0  # balloon drag coefficient c_d (N s^2 / m^2); the Isaac project uses 0.4
    knee: dict = field(
        default_factory=lambda: {
            "spring_damping": 1e-3,  # c (N m s / rad)
            "preload": 1.2627,  # q_pre (rad) = 72.35 deg
            "kp": 1.0,  # N m / rad
            "kd": 0.08,  # N m s / rad
            "torque_limit": 0.0848,  # N m = 1.44 * 9.81e-2 * 0.6
        }
    )
    motor: dict = field(default_factory=lambda: {"kp": 1.0, "kd": 0.01, "torque_limit": 0.0848})
    max_root_speed: float = 10.0  # m/s; faster is an invalid state
    pelvis_height_band: list = field(default_factory=lambda: [0.1, 3.0])  # m; outside is an invalid state


def ballu_config(imu: bool = False) -> TaskCfg:
    command_names = ["lin_vel_x", "lin_vel_y"] + (["ang_vel_z"] if imu else [])
    ranges = {"lin_vel_x": [0.1, 0.4], "lin_vel_y": [0.0, 0.0], "ang_vel_z": [0.0, 0.0]}
    policy = (
        [ObsTerm("commands"), ObsTerm("tibia_imu")]
        if imu
        else [
            ObsTerm("commands"),
            ObsTerm("joint_pos"),
            ObsTerm("joint_vel"),
        ]
    )
    privileged = [
        ObsTerm("base_pos"),
        ObsTerm("base_quat"),
        ObsTerm("base_lin_vel"),
        ObsTerm("base_ang_vel"),
        ObsTerm("buoyancy_force"),
        ObsTerm("drag_force"),
        ObsTerm("gcr"),
        ObsTerm("spcf"),
    ]
    if imu:
        privileged = [ObsTerm("joint_pos"), ObsTerm("joint_vel")] + privileged
    env = BalluEnvCfg(xml_path=asset_path("ballu", "scene_imu.xml")) if imu else BalluEnvCfg()
    return TaskCfg(
        env=env,
        obs=ObsCfg(groups={"policy": policy, "critic": policy + privileged}),
        reward=RewardCfg(
            weights={"tracking_lin_vel": 1.0, "tracking_lin_vel_world": 1.0},
            tracking_sigma=0.1,
        ),
        command=CommandCfg(names=command_names, ranges={n: ranges[n] for n in command_names}, resample_s=20.0),
    )


def ballu_train_config() -> dict:
    """BALLUPPORunnerCfg of the Isaac Lab BALLU project in rsl-rl-lib 5.x form."""
    return ppo_train_config(
        num_steps_per_env=20,
        max_iterations=1500,
        hidden_dims=[128, 64, 32],
        init_std=0.5,
        learning_rate=1e-4,
        max_grad_norm=0.5,
        obs_normalization=True,
        seed=1,
    )


register_obs_term("buoyancy_force")(lambda s: s.extras["buoyancy_force"])
register_obs_term("drag_force")(lambda s: s.extras["drag_force"])
register_obs_term("gcr")(lambda s: s.params["gcr"])
register_obs_term("spcf")(lambda s: s.params["spcf"])
register_obs_term("tibia_imu")(lambda s: s.extras["tibia_imu"])


class BalluTask(LocomotionTask):
    """2 actions: the motor-arm angle targets [MOTOR_LEFT, MOTOR_RIGHT] (rad, in [0, pi])."""

    num_actions = 2
    uses_imu = False
    applies_body_forces = True
    supports_terrain = False  # the balloon (a cylinder) has no heightfield collision in MJX; flat floor only

    def setup(self) -> None:
        env, model = self.cfg.env, self.mj_model
        if env.GCR_range is not None and len(env.GCR_range) != 2:
            raise UserError(f"GCR_range needs two values [lo, hi], got {env.GCR_range}")
        self.knee_actuators = motor_actuators(model, ["KNEE_LEFT", "KNEE_RIGHT"])
        self.motor_actuators = motor_actuators(model, ["MOTOR_LEFT", "MOTOR_RIGHT"])
        names = list(env.joint_names)
        self.knee_slots = np.asarray([names.index("KNEE_LEFT"), names.index("KNEE_RIGHT")])
        self.motor_slots = np.asarray([names.index("MOTOR_LEFT"), names.index("MOTOR_RIGHT")])
        self.balloon = int(body_ids(model, ["BALLOON"])[0])
        self.balloon_sensors = {
            name: sensor_adr(model, [f"balloon_{name}"]) for name in ("centre_pos", "centre_vel", "com_pos")
        }
        self.total_mass = float(model.body_subtreemass[model.body_rootid[self.balloon]])
        self.gravity = float(-model.opt.gravity[2])
        if self.uses_imu:
            self.imu_adr = sensor_adr(model, TIBIA_IMU_SENSORS)

    def sample_params(self, key) -> dict:
        env = self.cfg.env
        if env.GCR_range is None:
            gcr = jnp.asarray(env.GCR, jnp.float32)
        else:
            gcr = jax.random.uniform(key, (), minval=env.GCR_range[0], maxval=env.GCR_range[1])
        return {"gcr": gcr, "spcf": jnp.asarray(env.spcf, jnp.float32), "drag": jnp.asarray(env.drag, jnp.float32)}

    def action_targets(self, action):
        env = self.cfg.env
        return jnp.clip(env.action_offset + env.action_scale * action, 0.0, jnp.pi)

    def balloon_forces(self, physics, params) -> tuple:
        """(buoyancy, drag) forces on the balloon centre (world, N), drag from its sensed velocity."""
        velocity = physics.sensordata[self.balloon_sensors["centre_vel"]]
        return buoyancy_force(params["gcr"], self.total_mass, self.gravity), drag_force(velocity, params["drag"])

    def control(self, physics, targets, params) -> tuple:
        env = self.cfg.env
        q = physics.qpos[self.joints.qpos_adr]
        qd = physics.qvel[self.joints.dof_adr]
        knee_q, knee_qd = q[self.knee_slots], qd[self.knee_slots]
        knee_torque = spring_pd_knee_torque(
            knee_q,
            knee_qd,
            linkage_knee_target(targets),
            spring_coef=params["spcf"],
            spring_damping=env.knee["spring_damping"],
            preload=env.knee["preload"],
            kp=env.knee["kp"],
            kd=env.knee["kd"],
            torque_limit=env.knee["torque_limit"],
        )
        motor_torque = pd_torque(q[self.motor_slots], qd[self.motor_slots], targets, **env.motor)
        ctrl = (
            jnp.zeros(self.mj_model.nu, jnp.float32)
            .at[self.knee_actuators.ids]
            .set(knee_torque / self.knee_actuators.gear)
            .at[self.motor_actuators.ids]
            .set(motor_torque / self.motor_actuators.gear)
        )
        buoyancy, drag = self.balloon_forces(physics, params)
        sensed = physics.sensordata
        centre, com = sensed[self.balloon_sensors["centre_pos"]], sensed[self.balloon_sensors["com_pos"]]
        wrench = wrench_at_point(buoyancy + drag, centre, com)
        return ctrl, jnp.zeros((self.mj_model.nbody, 6), jnp.float32).at[self.balloon].set(wrench)

    def extras(self, physics, params) -> dict:
        buoyancy, drag = self.balloon_forces(physics, params)
        readings = {"buoyancy_force": buoyancy, "drag_force": drag}
        if self.uses_imu:
            readings["tibia_imu"] = physics.sensordata[self.imu_adr]
        return readings

    def failures(self, s) -> dict:
        env = self.cfg.env
        low, high = env.pelvis_height_band
        height = s.base_pos_world[2]
        return {
            "root_speed": jnp.linalg.norm(s.lin_vel_world) > env.max_root_speed,
            "height_band": (height < low) | (height > high),
        }


class BalluImuTask(BalluTask):
    """BALLU whose actor sees the command and two tibia IMUs (orientation, gyro, accelerometer)."""

    uses_imu = True
