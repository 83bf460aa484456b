"""Unitree Go2 velocity tracking with the MDP of unitree_rl_lab's Go2 velocity task (its
`velocity_env_cfg.py` and `UNITREE_GO2_CFG`): the 45-value observation that unitree_rl_lab's deploy
controller computes on the robot, its action scale, gains and command ranges, its reward terms and
weights, and its privileged critic. A JointPositionTask configuration, no code of its own; the
README's "go2-velocity" section gives every value's source and what differs.
"""

from dataclasses import dataclass, field

from legged_mjx.commands import CommandCfg
from legged_mjx.joint_orders import go2_joint_names
from legged_mjx.observations import ObsCfg, ObsTerm
from legged_mjx.robots import load_robot
from legged_mjx.task import TaskCfg
from legged_mjx.tasks.go2 import ROBOT, Go2EnvCfg
from rewards import RewardCfg

OBS_CLIP = 100.0  # every term of unitree_rl_lab's Go2 observation groups is clipped to +-100


def unitree_default_pose() -> dict:
    """UNITREE_GO2_CFG.init_state.joint_pos (left hips +0.1, right hips -0.1, front thighs 0.8, rear
    thighs 1.0, calves -1.5 rad), as the Go2's description states it (assets/go2/robot.yaml)."""
    robot = load_robot(ROBOT)
    return dict(zip(robot.joints, robot.default_pose(robot.joints)))


@dataclass
class Go2VelocityEnvCfg(Go2EnvCfg):
    joint_names: list = field(default_factory=lambda: go2_joint_names("isaac"))  # Isaac Lab's articulation order
    default_joint_pos: dict = field(default_factory=unitree_default_pose)
    action_scale: float | list = 0.25  # JointPositionActionCfg(scale=0.25, use_default_offset=True)
    kp: float | list = 25.0  # UNITREE_GO2_CFG: stiffness 25
    kd: float | list = 0.5  # damping 0.5
    action_latency: bool = False  # Isaac Lab applies the action in the step it is computed
    max_roll_pitch_deg: float = 45.8  # bad_orientation, limit_angle 0.8 rad
    min_base_height: float | None = 0.15  # stands in for base_contact (only the feet collide here)
    soft_joint_pos_limit_factor: float = 0.9  # UnitreeArticulationCfg.soft_joint_pos_limit_factor


def policy_terms() -> list:
    """The actor's 45 values, unitree_rl_lab's PolicyCfg in order."""
    return [
        ObsTerm("base_ang_vel", 0.2, OBS_CLIP),
        ObsTerm("projected_gravity", 1.0, OBS_CLIP),
        ObsTerm("velocity_commands", 1.0, OBS_CLIP),
        ObsTerm("joint_pos_rel", 1.0, OBS_CLIP),
        ObsTerm("joint_vel_rel", 0.05, OBS_CLIP),
        ObsTerm("last_action", 1.0, OBS_CLIP),
    ]


def critic_terms() -> list:
    """unitree_rl_lab's CriticCfg: the policy's terms plus the base's linear velocity (first) and
    the joint torques (before the last action), 60 values."""
    *state, last_action = policy_terms()
    return [ObsTerm("base_lin_vel", 1.0, OBS_CLIP), *state, ObsTerm("joint_effort", 0.01, OBS_CLIP), last_action]


# unitree_rl_lab RewardsCfg weights (undesired_contacts is left out: only the feet collide here)
GO2_VELOCITY_REWARDS = {
    "tracking_lin_vel": 1.5,  # track_lin_vel_xy_exp, std sqrt(0.25)
    "tracking_ang_vel": 0.75,  # track_ang_vel_z_exp, std sqrt(0.25)
    "lin_vel_z": -2.0,  # base_linear_velocity (lin_vel_z_l2)
    "ang_vel_xy_l2": -0.05,  # base_angular_velocity
    "joint_vel_l2": -0.001,
    "joint_acc_l2": -2.5e-7,
    "joint_torques_l2": -2e-4,
    "action_rate": -0.1,  # action_rate_l2
    "joint_pos_limits": -10.0,  # dof_pos_limits
    "energy": -2e-5,
    "flat_orientation_l2": -2.5,
    "joint_position_penalty": -0.7,  # joint_pos: stand_still_scale 5, velocity_threshold 0.3
    "feet_air_time": 0.1,  # threshold 0.5 s
    "air_time_variance": -1.0,
    "feet_slide": -0.1,
    # not unitree_rl_lab's: Isaac Lab's H1/G1 termination_penalty. Without it the penalties outweigh
    # the tracking reward while actions are still random, and the policy learns to end episodes
    # (README "go2-velocity": the first run's episodes fell to 16 steps by iteration 30)
    "is_terminated": -200.0,
}


def go2_velocity_config() -> TaskCfg:
    return TaskCfg(
        env=Go2VelocityEnvCfg(),
        obs=ObsCfg(groups={"policy": policy_terms(), "critic": critic_terms()}),
        reward=RewardCfg(weights=dict(GO2_VELOCITY_REWARDS), tracking_sigma=0.25),
        command=CommandCfg(
            names=["lin_vel_x", "lin_vel_y", "ang_vel_z"],
            # base_velocity.limit_ranges (the command curriculum's end: README says why no curriculum)
            ranges={"lin_vel_x": [-1.0, 1.0], "lin_vel_y": [-0.4, 0.4], "ang_vel_z": [-1.0, 1.0]},
            resample_s=10.0,  # resampling_time_range (10, 10)
            rel_standing_envs=0.1,
        ),
    )


def go2_velocity_unitree_randomization() -> dict:
    """unitree_rl_lab's Go2 EventCfg and observation noise as domain_rand values: friction
    (0.3, 1.2) (physics_material, one coefficient here for static and dynamic), added base mass
    (-1, 3) kg, pushes of +-0.5 m/s every 5-10 s; the policy's observation noise (Unoise)."""
    return {
        "friction_range": [0.3, 1.2],
        "added_base_mass_range": [-1.0, 3.0],
        "push_interval_s": [5.0, 10.0],
        "push_velocity": 0.5,
        "obs_noise": {
            "base_ang_vel": 0.2,
            "projected_gravity": 0.05,
            "joint_pos_rel": 0.01,
            "joint_vel_rel": 1.5,
        },
    }
