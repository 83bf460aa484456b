"""Unitree Go2 velocity tracking with the go2_train setup (reference: shared/reference/go2.md): a
JointPositionTask configuration, no code of its own."""

from dataclasses import dataclass, field

from legged_mjx.commands import CommandCfg
from legged_mjx.joint_orders import go2_joint_names
from legged_mjx.observations import ObsCfg, ObsTerm
from legged_mjx.robots import load_robot
from legged_mjx.task import TaskCfg
from legged_mjx.tasks.joint_position import JointPositionEnvCfg
from legged_mjx.ppo_config import ppo_train_config
from rewards import RewardCfg

ROBOT = "go2"  # assets/go2/robot.yaml: MJCF, joint orders, feet
# go2_train's pose (hips at 0; the description's Isaac Lab pose splays the hips by 0.1 rad).
GO2_DEFAULT_POSE = {
    **{f"{leg}_hip_joint": 0.0 for leg in ("FL", "FR", "RL", "RR")},
    "FL_thigh_joint": 0.8,
    "FR_thigh_joint": 0.8,
    "RL_thigh_joint": 1.0,
    "RR_thigh_joint": 1.0,
    **{f"{leg}_calf_joint": -1.5 for leg in ("FL", "FR", "RL", "RR")},
}


def _feet(what: str) -> list:
    return [getattr(foot, what) for foot in load_robot(ROBOT).feet]


@dataclass
class Go2EnvCfg(JointPositionEnvCfg):
    robot: str = ROBOT
    xml_path: str = field(default_factory=lambda: load_robot(ROBOT).mjcf)
    # Standing height is about 0.27 m; from 0.30 m the robot settles calmly (docs/tasks.md).
    spawn_height: float = field(default_factory=lambda: load_robot(ROBOT).spawn_height)
    joint_names: list = field(default_factory=lambda: go2_joint_names("genesis"))
    default_joint_pos: dict = field(default_factory=lambda: dict(GO2_DEFAULT_POSE))
    foot_contact_sensors: list = field(default_factory=lambda: _feet("contact_sensor"))
    foot_velocity_sensors: list = field(default_factory=lambda: _feet("velocity_sensor"))
    foot_geoms: list = field(default_factory=lambda: _feet("geoms"))
    foot_sites: list = field(default_factory=lambda: _feet("site"))
    action_scale: float | list = 0.3  # go2_train's value (its code: 0.25)
    kp: float | list = 20.0
    kd: float | list = 0.5


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


def go2_isaac_randomization() -> dict:
    """domain_rand values of Isaac Lab's Go2 velocity task (UnitreeGo2RoughEnvCfg: added base mass,
    no reset noise) with the generic task's pushes and noise models (velocity_env_cfg), and
    friction and motor-strength ranges where Isaac Lab has none (docs/domain_randomisation.md)."""
    return {
        "friction_range": [0.5, 1.25],  # legged_gym; Isaac Lab keeps one material (static 0.8, dynamic 0.6)
        "added_base_mass_range": [-1.0, 3.0],  # kg, Isaac Lab Go2
        "gain_range": [0.9, 1.1],  # motor strength, walk-these-ways; Isaac Lab's Go2 task has none
        "push_interval_s": [10.0, 15.0],  # push_robot
        "push_velocity": 0.5,  # m/s
        "obs_noise": {
            "base_lin_vel": 0.1,
            "base_ang_vel": 0.2,
            "projected_gravity": 0.05,
            "joint_pos_rel": 0.01,
            "joint_vel": 1.5,
        },
    }


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
