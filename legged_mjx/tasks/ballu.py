"""BALLU: a balloon-assisted biped (reference: shared/reference/ballu.md).

Buoyancy and balloon drag act at the balloon centre through xfrc_applied; each knee is driven
through the motor-to-knee linkage by a spring + PD law; the motor arms track their commanded
angles with a PD law. All of it is computed in JAX every physics substep.
"""

from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from legged_mjx.actuators import linkage_knee_target, pd_torque, spring_pd_knee_torque
from legged_mjx.commands import CommandCfg
from legged_mjx.errors import UserError
from legged_mjx.forces import buoyancy_force, drag_force, wrench_at_point
from legged_mjx.model import asset_path, body_ids, motor_actuators, sensor_adr
from legged_mjx.observations import ObsCfg, ObsTerm, register_obs_term
from legged_mjx.task import EnvCfg, LocomotionTask, TaskCfg, initial_physics
import legged_mjx.tasks.ballu_morphology as morphology
from legged_mjx.ppo_config import ppo_train_config
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
    # Morphology (tasks/ballu_morphology.py; docs/ballu_morphology.md). Leg lengths change the model: a
    # range gives designs on a grid of length_buckets values per length (at most length_buckets^2 models),
    # `designs` a list of named designs or dicts {name, femur_length, tibia_length, spcf, GCR} instead.
    femur_length: float = morphology.FEMUR_LENGTH  # m, hip -> knee
    tibia_length: float = morphology.TIBIA_LENGTH  # m, knee -> electronics (the foot is 0.06485 m further)
    femur_length_range: list | None = None  # [lo, hi] m
    tibia_length_range: list | None = None  # [lo, hi] m
    length_buckets: int = 8  # grid values per length range
    spcf_range: list | None = None  # [lo, hi]: spcf sampled per environment at every reset
    designs: list | None = None  # names (ballu_morphology.NAMED_DESIGNS) or dicts; replaces the length ranges
    design_order: str = "random"  # random: a design drawn at every reset; cycle: environment i has design i % n


MORPHOLOGY_RANGES = {  # the Isaac project's hetero library (femur, tibia) and spring / GCR ranges
    "femur_length_range": [0.35, 0.50],
    "tibia_length_range": [0.29, 0.45],
    "spcf_range": [0.001, 0.01],
    "GCR_range": [0.75, 0.89],
}


def ballu_config(imu: bool = False, morphology_obs: str | None = None) -> TaskCfg:
    """BALLU's task config; morphology_obs "critic" or "policy": many morphologies in one batch
    (MORPHOLOGY_RANGES), the morphology vector observed by the critic, or by the policy and critic."""
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
    if morphology_obs is not None:
        env = BalluEnvCfg(**{**env.__dict__, **MORPHOLOGY_RANGES})
        privileged = [term for term in privileged if term.name not in ("gcr", "spcf")] + [ObsTerm("morphology")]
        if morphology_obs == "policy":
            policy = policy + [ObsTerm("morphology")]
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
register_obs_term("morphology")(lambda s: jnp.stack([s.params[name] for name in morphology.PARAM_NAMES]))


def _uniform_or(key, bounds, value):
    """Uniform in bounds [lo, hi], or value where bounds is None."""
    if bounds is None:
        return jnp.asarray(value, jnp.float32)
    return jax.random.uniform(key, (), minval=bounds[0], maxval=bounds[1])


class BalluTask(LocomotionTask):
    """2 actions: the motor-arm angle targets [MOTOR_LEFT, MOTOR_RIGHT] (rad, in [0, pi])."""

    num_actions = 2
    uses_imu = False
    applies_body_forces = True
    supports_terrain = False  # the balloon (a cylinder) has no heightfield collision in MJX; flat floor only
    morphology_names = morphology.PARAM_NAMES

    def setup(self) -> None:
        env = self.cfg.env
        if env.GCR_range is not None and len(env.GCR_range) != 2:
            raise UserError(f"GCR_range needs two values [lo, hi], got {env.GCR_range}")
        self.setup_designs()
        model = self.mj_model
        self.knee_actuators = motor_actuators(model, ["KNEE_LEFT", "KNEE_RIGHT"])
        self.motor_actuators = motor_actuators(model, ["MOTOR_LEFT", "MOTOR_RIGHT"])
        names = list(env.joint_names)
        self.knee_slots = np.asarray([names.index("KNEE_LEFT"), names.index("KNEE_RIGHT")])
        self.motor_slots = np.asarray([names.index("MOTOR_LEFT"), names.index("MOTOR_RIGHT")])
        self.balloon = int(body_ids(model, ["BALLOON"])[0])
        self.balloon_sensors = {
            name: sensor_adr(model, [f"balloon_{name}"]) for name in ("centre_pos", "centre_vel", "com_pos")
        }
        models = self.design_models or (model,)
        root = model.body_rootid[self.balloon]
        self.total_mass = np.asarray([m.body_subtreemass[root] for m in models], np.float32)  # kg, per design
        self.gravity = float(-model.opt.gravity[2])
        if self.uses_imu:
            self.imu_adr = sensor_adr(model, TIBIA_IMU_SENSORS)

    def setup_designs(self) -> None:
        """The designs of the config, their table of per-design values and compiled models: mj_model
        becomes the first design's; with more than one, design_models holds them all (a model per
        distinct pair of lengths) and design_reset_physics their reset states, stacked."""
        env = self.cfg.env
        self.designs = morphology.designs_of(env)
        spec, compiled = None, {}
        for design in self.designs:
            lengths = (design.femur_length, design.tibia_length)
            if lengths not in compiled:
                if lengths == (morphology.FEMUR_LENGTH, morphology.TIBIA_LENGTH):
                    compiled[lengths] = self.mj_model  # the loaded model is the nominal design
                    continue
                spec = spec or mujoco.MjSpec.from_file(env.xml_path)
                compiled[lengths] = morphology.design_model(spec, design)
                self.adapt_model(compiled[lengths])
        models = [compiled[(d.femur_length, d.tibia_length)] for d in self.designs]
        self.mj_model = models[0]
        nan = np.float32(np.nan)  # a design without its own spcf / GCR takes the config's
        self.design_table = {
            "femur_length": np.asarray([d.femur_length for d in self.designs], np.float32),
            "tibia_length": np.asarray([d.tibia_length for d in self.designs], np.float32),
            "spcf": np.asarray([nan if d.spcf is None else d.spcf for d in self.designs], np.float32),
            "gcr": np.asarray([nan if d.GCR is None else d.GCR for d in self.designs], np.float32),
        }
        if len(self.designs) > 1:
            self.design_models = tuple(models)
            physics = [initial_physics(m, self.design_qpos(d)) for m, d in zip(models, self.designs)]
            self.design_reset_physics = jax.tree.map(lambda *leaves: np.stack(leaves), *physics)

    def design_qpos(self, design) -> np.ndarray:
        """The reset pose of a design: the default, raised by how much longer its legs are than the
        nominal ones, so that every design starts with its feet as high above the floor."""
        qpos = super().initial_qpos()
        qpos[2] += morphology.leg_length(design.femur_length, design.tibia_length) - morphology.leg_length(
            morphology.FEMUR_LENGTH, morphology.TIBIA_LENGTH
        )
        return qpos

    def initial_qpos(self) -> np.ndarray:
        return self.design_qpos(self.designs[0])

    def reset_physics_of(self, params: dict):
        if not self.design_models:
            return super().reset_physics_of(params)
        return jax.tree.map(lambda table: jnp.asarray(table)[params["design"]], self.design_reset_physics)

    def sample_params(self, key, env_id) -> dict:
        """gcr and spcf: the design's own, else sampled in their ranges, else the config's; drag;
        the design's leg lengths; and with several designs the design's index, drawn (design_order
        random) or environment i's i % n (cycle)."""
        env, count = self.cfg.env, len(self.designs)
        if count == 1:
            design = 0
        elif env.design_order == "cycle":
            design = env_id % count
        else:
            design = jax.random.randint(jax.random.fold_in(key, 2), (), 0, count)
        row = {name: jnp.asarray(values)[design] for name, values in self.design_table.items()}
        gcr = _uniform_or(key, env.GCR_range, env.GCR)
        spcf = _uniform_or(jax.random.fold_in(key, 1), env.spcf_range, env.spcf)
        params = {
            "gcr": jnp.where(jnp.isnan(row["gcr"]), gcr, row["gcr"]),
            "spcf": jnp.where(jnp.isnan(row["spcf"]), spcf, row["spcf"]),
            "drag": jnp.asarray(env.drag, jnp.float32),
            "femur_length": row["femur_length"],
            "tibia_length": row["tibia_length"],
        }
        if count > 1:
            params["design"] = jnp.asarray(design, jnp.int32)
        return params

    def action_targets(self, action):
        env = self.cfg.env
        return jnp.clip(env.action_offset + env.action_scale * action, 0.0, jnp.pi)

    def balloon_forces(self, physics, params) -> tuple:
        """(buoyancy, drag) forces on the balloon centre (world, N), drag from its sensed velocity."""
        velocity = physics.sensordata[self.balloon_sensors["centre_vel"]]
        total_mass = jnp.asarray(self.total_mass)[params.get("design", 0)]  # of this environment's design
        return buoyancy_force(params["gcr"], total_mass, self.gravity), drag_force(velocity, params["drag"])

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
