"""Each reward term against a hand-computed value, and the dt-weighted sum."""

import math

import jax.numpy as jnp
import pytest

from legged_mjx.errors import UserError
from legged_mjx.state import Snapshot
from rewards import REWARD_TERMS, RewardCfg, check_weights, compute_rewards


def snapshot(**fields) -> Snapshot:
    values = dict(
        base_pos_world=[0.0, 0.0, 0.3],
        base_quat_world=[1.0, 0.0, 0.0, 0.0],
        lin_vel_world=[0.0, 0.0, 0.0],
        lin_vel_body=[0.0, 0.0, 0.0],
        ang_vel_body=[0.0, 0.0, 0.0],
        gravity_body=[0.0, 0.0, -1.0],
        joint_pos=[0.0, 0.0],
        joint_vel=[0.0, 0.0],
        default_joint_pos=[0.0, 0.0],
        command=[0.0, 0.0, 0.0, 0.3, 0.0],
        action=[0.0, 0.0],
        prev_action=[0.0, 0.0],
        foot_contact=[True, True],
        height_scan=[0.0],
        ground_height=0.0,
    )
    values.update(fields)
    return Snapshot(**{k: jnp.asarray(v) for k, v in values.items()}, params={}, extras={})


CFG = RewardCfg(tracking_sigma=0.25)
S = snapshot(
    base_pos_world=[1.0, 2.0, 0.25],
    lin_vel_world=[0.3, -0.4, 0.0],
    lin_vel_body=[0.8, 0.2, 0.1],
    ang_vel_body=[0.0, 0.0, 0.5],
    joint_pos=[0.5, -1.0],
    joint_vel=[2.0, -1.0],
    default_joint_pos=[0.8, -1.5],
    command=[1.0, 0.5, 0.3, 0.3, 0.0],
    action=[1.0, -0.5],
    prev_action=[0.5, 0.5],
)


@pytest.mark.parametrize(
    "term, expected",
    [
        ("tracking_lin_vel", math.exp(-(0.2**2 + 0.3**2) / 0.25)),  # exp(-0.13 / 0.25)
        ("tracking_lin_vel_world", math.exp(-(0.7**2 + 0.9**2) / 0.25)),  # world v = (0.3, -0.4)
        ("tracking_ang_vel", math.exp(-(0.2**2) / 0.25)),  # cmd 0.3, w_z 0.5
        ("lin_vel_z", 0.01),  # 0.1^2
        ("base_height", 0.0025),  # (0.25 - 0.3)^2
        ("action_rate", 1.25),  # 0.5^2 + 1^2
        ("similar_to_default", 0.8),  # |0.5 - 0.8| + |-1.0 + 1.5|
        ("joint_vel_l2", 5.0),  # 2^2 + 1^2
    ],
)
def test_term_matches_hand_computed_value(term, expected):
    assert float(REWARD_TERMS[term](S, CFG)) == pytest.approx(expected, rel=1e-5)


# go2-rough's base height: above the ground under the height scan, not world z
def test_base_height_is_measured_from_the_ground_under_the_scan():
    on_a_step = snapshot(base_pos_world=[0.0, 0.0, 1.05], ground_height=0.7, command=[0.6, 0.0, 0.0, 0.3, 0.0])
    assert float(REWARD_TERMS["base_height"](on_a_step, CFG)) == pytest.approx((1.05 - 0.7 - 0.3) ** 2, rel=1e-5)


# unitree_rl_lab's Go2 terms: a 2-joint, 2-foot snapshot with torques, accelerations, soft limits,
# foot velocities and foot timers
G = snapshot(
    lin_vel_body=[0.2, 0.1, 0.0],
    ang_vel_body=[0.3, -0.4, 0.5],
    gravity_body=[0.1, -0.2, -0.97],
    joint_pos=[0.5, -1.0],
    joint_vel=[2.0, -1.0],
    default_joint_pos=[0.8, -1.5],
    command=[0.5, 0.0, 0.2],
    foot_contact=[True, False],
).replace(
    extras={
        "joint_torque": jnp.asarray([3.0, -4.0]),
        "joint_acc": jnp.asarray([10.0, -20.0]),
        "soft_joint_pos_limits": jnp.asarray([[0.6, 1.0], [-2.0, -1.2]]),  # joint 0 below by 0.1, joint 1 above by 0.2
        "foot_vel_world": jnp.asarray([[0.3, 0.4, 0.1], [1.0, 1.0, 0.0]]),
    },
    foot_timers={
        "air_time": jnp.asarray([0.0, 0.2]),
        "contact_time": jnp.asarray([0.02, 0.0]),
        "last_air_time": jnp.asarray([0.7, 0.3]),
        "last_contact_time": jnp.asarray([0.4, 0.6]),
        "first_contact": jnp.asarray([True, False]),
    },
)
STANDING = G.replace(command=jnp.zeros(3), lin_vel_body=jnp.asarray([0.1, 0.1, 0.0]))


@pytest.mark.parametrize(
    "term, snap, expected",
    [
        ("ang_vel_xy_l2", G, 0.3**2 + 0.4**2),
        ("flat_orientation_l2", G, 0.1**2 + 0.2**2),
        ("joint_acc_l2", G, 100.0 + 400.0),
        ("joint_torques_l2", G, 9.0 + 16.0),
        ("energy", G, 2.0 * 3.0 + 1.0 * 4.0),
        ("joint_pos_limits", G, 0.1 + 0.2),
        ("joint_position_penalty", G, math.hypot(0.3, 0.5)),  # moving: |q - q0|
        ("joint_position_penalty", STANDING, 5.0 * math.hypot(0.3, 0.5)),  # zero command, |v_xy| 0.14 < 0.3
        ("feet_air_time", G, 0.7 - 0.5),  # only foot 0 touched down
        ("feet_air_time", STANDING, 0.0),  # |cmd_xy| <= 0.1
        ("air_time_variance", G, (0.5 - 0.3) ** 2 / 2 + (0.5 - 0.4) ** 2 / 2),  # both clipped to 0.5; n - 1 = 1
        ("feet_slide", G, 0.5),  # foot 0 in contact at |(0.3, 0.4)|; foot 1 in the air
        ("is_terminated", G.replace(terminated=jnp.asarray(True)), 1.0),
        ("is_terminated", G.replace(terminated=jnp.asarray(False)), 0.0),
    ],
)
def test_unitree_term_matches_hand_computed_value(term, snap, expected):
    assert float(REWARD_TERMS[term](snap, CFG)) == pytest.approx(expected, rel=1e-5)


def test_weighted_sum_multiplies_by_weight_and_control_dt():
    cfg = RewardCfg(weights={"lin_vel_z": -1.0, "base_height": -50.0, "action_rate": -0.005}, tracking_sigma=0.25)
    total, terms = compute_rewards(cfg, S, dt=0.02)
    assert float(terms["lin_vel_z"]) == pytest.approx(-1.0 * 0.02 * 0.01)
    assert float(terms["base_height"]) == pytest.approx(-50.0 * 0.02 * 0.0025)
    assert float(terms["action_rate"]) == pytest.approx(-0.005 * 0.02 * 1.25)
    assert float(total) == pytest.approx(-0.0002 - 0.0025 - 0.000125)


def test_only_positive_rewards_clips_the_total_not_the_terms():
    cfg = RewardCfg(weights={"lin_vel_z": -1.0, "tracking_ang_vel": 0.2}, only_positive_rewards=True)
    total, terms = compute_rewards(cfg, S, dt=0.02)
    assert float(terms["lin_vel_z"]) == pytest.approx(-0.0002)
    assert float(total) == pytest.approx(float(terms["lin_vel_z"] + terms["tracking_ang_vel"]))  # positive: unchanged
    negative, _ = compute_rewards(RewardCfg(weights={"lin_vel_z": -1.0}, only_positive_rewards=True), S, dt=0.02)
    assert float(negative) == 0.0


def test_go2_weights_are_go2_train(go2_task):
    assert go2_task.cfg.reward.weights == {
        "tracking_lin_vel": 1.0,
        "tracking_ang_vel": 0.2,
        "lin_vel_z": -1.0,
        "base_height": -50.0,
        "action_rate": -0.005,
        "similar_to_default": -0.1,
    }
    assert go2_task.dt == pytest.approx(0.02)


def test_unknown_term_is_a_user_error():
    with pytest.raises(UserError, match="unknown reward terms: flying"):
        check_weights(RewardCfg(weights={"flying": 1.0}))
