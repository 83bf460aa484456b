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
        feet_air_time=[0.0, 0.0],
        feet_first_contact=[False, False],
        joint_torque=[0.0, 0.0],
        joint_acc=[0.0, 0.0],
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


ROUGH = snapshot(
    base_pos_world=[0.0, 0.0, 1.05],
    ground_height=0.7,  # standing on a step: 0.35 m above the ground under the scan
    ang_vel_body=[0.3, -0.4, 2.0],
    joint_torque=[3.0, -4.0],
    joint_acc=[100.0, -20.0],
    command=[0.6, 0.0, 0.0, 0.3, 0.0],
    feet_air_time=[0.7, 0.25],  # both feet touched down in this step after swings of 0.7 s and 0.25 s
    feet_first_contact=[True, True],
)


@pytest.mark.parametrize(
    "term, expected",
    [
        ("base_height", 0.0025),  # (1.05 - 0.7 - 0.3)^2: height above the ground, not world z
        ("ang_vel_xy_l2", 0.25),  # 0.3^2 + 0.4^2; w_z does not count
        ("joint_torques_l2", 25.0),  # 3^2 + 4^2
        ("joint_acc_l2", 10400.0),  # 100^2 + 20^2
        ("feet_air_time", -0.05),  # (0.7 - 0.5) + (0.25 - 0.5)
    ],
)
def test_rough_terrain_terms(term, expected):
    assert float(REWARD_TERMS[term](ROUGH, CFG)) == pytest.approx(expected, rel=1e-5)


def test_feet_air_time_counts_only_touchdowns_while_commanded_to_move():
    in_air = ROUGH.replace(feet_first_contact=jnp.array([False, True]))
    assert float(REWARD_TERMS["feet_air_time"](in_air, CFG)) == pytest.approx(-0.25)
    standing_command = ROUGH.replace(command=jnp.array([0.05, 0.05, 0.0, 0.3, 0.0]))  # |v| = 0.07 <= 0.1
    assert float(REWARD_TERMS["feet_air_time"](standing_command, CFG)) == 0.0


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
