"""sim2sim conventions: joint-order mapping by name, the three file formats, and missing facts."""

import copy
import os

import numpy as np
import pytest
import yaml

from legged_mjx.errors import UserError
from legged_mjx.joint_orders import go2_joint_names
from tests.helpers import index_map
from legged_mjx.model import asset_path, joint_index, load_model
from legged_mjx.sim2sim.exports.conventions import from_profile, to_profile
from legged_mjx.sim2sim.exports.deploy_yaml import from_deploy_yaml
from legged_mjx.sim2sim.exports.facts import load_yaml
from legged_mjx.sim2sim.exports.isaac_env_yaml import from_isaac_env_yaml
from legged_mjx.sim2sim.sources import read_conventions
from shared_fixtures import fixture_dir

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = fixture_dir("isaac_go2_velocity")
DEPLOY = os.path.join(FIXTURE, "deploy.yaml")
ENV_YAML = os.path.join(HERE, "fixtures", "sim2sim", "isaac_go2_flat_env.yaml")
needs_fixture = pytest.mark.skipif(not os.path.isdir(FIXTURE), reason="shared fixtures not present")

ISAAC = go2_joint_names("isaac")
ISAAC_DEFAULT = [0.1, -0.1, 0.1, -0.1, 0.8, 0.8, 1.0, 1.0, -1.5, -1.5, -1.5, -1.5]


def test_isaac_and_mjcf_orders_map_by_name_and_round_trip():
    mjcf = go2_joint_names("mjcf")
    to_mjcf, to_isaac = index_map(ISAAC, mjcf), index_map(mjcf, ISAAC)
    isaac_vector = np.arange(12) * 10.0  # value 10 k belongs to ISAAC[k]
    in_mjcf = isaac_vector[to_mjcf]
    assert [ISAAC[int(v) // 10] for v in in_mjcf] == mjcf
    np.testing.assert_array_equal(in_mjcf[to_isaac], isaac_vector)
    assert ISAAC[:4] == ["FL_hip_joint", "FR_hip_joint", "RL_hip_joint", "RR_hip_joint"]
    # The model's qpos addresses follow the policy order: FL_hip first, FR_hip is the 4th MJCF joint.
    adr = joint_index(load_model(asset_path("go2", "scene.xml")), ISAAC).qpos_adr
    np.testing.assert_array_equal(adr, 7 + to_isaac)
    assert adr[1] == 7 + 3 and adr[4] == 7 + 1


@needs_fixture
def test_fixture_deploy_yaml_gives_isaac_order_and_its_layout():
    conv = from_deploy_yaml(load_yaml(DEPLOY), DEPLOY)
    assert conv.joint_names == ISAAC  # joint_ids_map [3, 0, 9, 6, ...] read through the SDK order
    assert conv.default_joint_pos == ISAAC_DEFAULT and conv.action_offset == ISAAC_DEFAULT
    assert conv.action_scale == [0.25] * 12 and conv.kp == [25.0] * 12 and conv.kd == [0.5] * 12
    assert (conv.sim_dt, conv.decimation, conv.action_clip, conv.action_latency) == (0.005, 4, 100.0, False)
    assert conv.actuator == "pd" and any("motor PD loop" in note for note in conv.notes)
    terms = [(t.name, t.scale, t.clip, t.history_length) for t in conv.observations]
    assert terms == [
        ("base_ang_vel", [0.2, 0.2, 0.2], 100.0, 1),
        ("projected_gravity", [1.0, 1.0, 1.0], 100.0, 1),
        ("velocity_commands", [1.0, 1.0, 1.0], 100.0, 1),
        ("joint_pos_rel", 1.0, 100.0, 1),
        ("joint_vel_rel", 0.05, 100.0, 1),
        ("last_action", 1.0, 100.0, 1),
    ]
    assert conv.command_ranges == {"lin_vel_x": [-1.0, 1.0], "lin_vel_y": [-0.4, 0.4], "ang_vel_z": [-1.0, 1.0]}


def test_isaac_env_yaml_regex_defaults_dc_motor_and_null_scales():
    conv = from_isaac_env_yaml(load_yaml(ENV_YAML), ENV_YAML)
    assert conv.joint_names == ISAAC
    assert conv.default_joint_pos == ISAAC_DEFAULT
    assert conv.action_offset == ISAAC_DEFAULT  # use_default_offset
    assert conv.action_clip == float("inf")  # clip: null
    assert conv.actuator == "dc_motor"
    assert conv.dc_motor == {"saturation_effort": 23.5, "velocity_limit": 30.0, "effort_limit": 23.5}
    assert [t.name for t in conv.observations] == [
        "base_lin_vel",
        "base_ang_vel",
        "projected_gravity",
        "velocity_commands",
        "joint_pos_rel",
        "joint_vel_rel",
        "last_action",
    ]  # height_scan: null is skipped
    assert all(t.scale == 1.0 and t.clip is None and t.history_length == 1 for t in conv.observations)
    assert conv.command_ranges["lin_vel_y"] == [-1.0, 1.0]  # read through !!python/tuple
    assert any("noise" in note for note in conv.notes)


def test_isaac_env_yaml_history_scale_clip_and_per_joint_regex_values():
    data = load_yaml(ENV_YAML)
    policy = data["observations"]["policy"]
    policy["base_ang_vel"].update(scale=0.25, clip=[-100.0, 100.0], history_length=3)
    data["scene"]["robot"]["actuators"]["base_legs"]["stiffness"] = {
        ".*_hip_joint": 20.0,
        ".*_(thigh|calf)_joint": 30.0,
    }
    conv = from_isaac_env_yaml(data, "env.yaml")
    ang = conv.observations[1]
    assert (ang.name, ang.scale, ang.clip, ang.history_length) == ("base_ang_vel", 0.25, 100.0, 3)
    assert conv.kp == [20.0] * 4 + [30.0] * 8
    policy["history_length"] = 2  # a group-level history overrides every term's
    assert {t.history_length for t in from_isaac_env_yaml(data, "env.yaml").observations} == {2}


@pytest.mark.parametrize("path", [DEPLOY, ENV_YAML])
def test_profile_round_trip(tmp_path, path):
    if not os.path.isfile(path):
        pytest.skip("shared fixtures not present")
    _, conv = read_conventions(path)
    profile = tmp_path / "conventions.yaml"
    profile.write_text(yaml.safe_dump(to_profile(conv), sort_keys=False))
    kind, again = read_conventions(str(profile))
    assert kind == "profile"
    again.source = conv.source
    assert again == conv


def test_profile_accepts_convention_names_regex_values_and_default_offset():
    data = to_profile(read_conventions(ENV_YAML)[1])
    data["joint_names"] = "isaac"
    data["default_joint_pos"] = {
        ".*L_hip_joint": 0.1,
        ".*R_hip_joint": -0.1,
        "F._thigh_joint": 0.8,
        "R._thigh_joint": 1.0,
        ".*_calf_joint": -1.5,
    }
    data["action"]["offset"] = "default"
    data["actuator"]["kp"] = 25
    conv = from_profile(data, "profile.yaml")
    assert conv.default_joint_pos == ISAAC_DEFAULT == conv.action_offset and conv.kp == [25.0] * 12


@needs_fixture
def test_missing_facts_are_named_together():
    data = load_yaml(DEPLOY)
    del data["step_dt"], data["stiffness"], data["commands"]["base_velocity"]["ranges"]["ang_vel_z"]
    with pytest.raises(UserError) as error:
        from_deploy_yaml(data, "deploy.yaml")
    message = str(error.value)
    assert "step_dt" in message and "stiffness" in message and "commands.base_velocity.ranges.ang_vel_z" in message
    assert "\n" not in message


def test_missing_isaac_facts_are_named():
    data = load_yaml(ENV_YAML)
    del data["decimation"]
    with pytest.raises(UserError, match="missing decimation"):
        from_isaac_env_yaml(data, "env.yaml")
    data = load_yaml(ENV_YAML)
    del data["scene"]["robot"]["actuators"]["base_legs"]["saturation_effort"]
    with pytest.raises(UserError, match="saturation_effort"):
        from_isaac_env_yaml(data, "env.yaml")
    data = load_yaml(ENV_YAML)
    del data["observations"]["policy"]["base_ang_vel"]["scale"]
    with pytest.raises(UserError, match=r"observations.policy.base_ang_vel: missing scale"):
        from_isaac_env_yaml(data, "env.yaml")
    profile = to_profile(read_conventions(ENV_YAML)[1])
    del profile["action"]["latency"], profile["sim"]
    with pytest.raises(UserError, match=r"action.latency .*sim.dt .*sim.decimation"):
        from_profile(profile, "profile.yaml")


def test_unsupported_or_inconsistent_facts_are_user_errors():
    data = load_yaml(ENV_YAML)
    data["observations"]["policy"]["height_scan"] = {
        "func": "isaaclab.envs.mdp.observations:height_scan",
        "scale": None,
        "clip": None,
    }
    with pytest.raises(UserError, match="params.sensor_cfg.name must name a ray caster in scene"):
        from_isaac_env_yaml(data, "env.yaml")
    data = load_yaml(ENV_YAML)
    data["scene"]["robot"]["init_state"]["joint_pos"] = {".*_joint": 0.0, ".*_calf_joint": -1.5}
    with pytest.raises(UserError, match="more than one key"):
        from_isaac_env_yaml(data, "env.yaml")
    data = load_yaml(ENV_YAML)
    data["scene"]["robot"]["actuators"]["base_legs"]["class_type"] = "my_lab.actuators:LearnedNet"
    with pytest.raises(UserError, match="'LearnedNet' is not supported"):
        from_isaac_env_yaml(data, "env.yaml")
    data = load_yaml(ENV_YAML)  # another robot's export: joints the Go2 does not have
    data["scene"]["robot"]["init_state"]["joint_pos"] = {".*_hip_yaw": 0.0, ".*_knee": 0.3, ".*_calf_joint": -1.5}
    with pytest.raises(
        UserError, match=r"joints matching .\*_hip_yaw, .\*_knee, .\*_calf_joint fit no shipped robot.*--robot"
    ):
        from_isaac_env_yaml(data, "env.yaml")
    with pytest.raises(UserError, match=r"names joints .\*_hip_yaw, .\*_knee that robot go2 lacks"):
        from_isaac_env_yaml(data, "env.yaml", robot="go2")
    profile = to_profile(read_conventions(ENV_YAML)[1])
    bad = copy.deepcopy(profile)
    bad["joint_names"] = ISAAC[:11] + ["FL_hip_joint"]
    with pytest.raises(UserError, match="joint names must be the 12 joints of robot go2"):
        from_profile(bad, "profile.yaml")
    del bad["robot"]
    with pytest.raises(UserError, match="fit no shipped robot"):
        from_profile(bad, "profile.yaml")
    bad = copy.deepcopy(profile)
    bad["action"]["clip"] = [-1.0, 2.0]
    with pytest.raises(UserError, match="symmetric range"):
        from_profile(bad, "profile.yaml")


def test_unrecognised_or_malformed_files(tmp_path):
    (tmp_path / "other.yaml").write_text("foo: 1\n")
    with pytest.raises(UserError, match="not a conventions file"):
        read_conventions(str(tmp_path / "other.yaml"))
    (tmp_path / "broken.yaml").write_text("a: [1, 2\n")
    with pytest.raises(UserError, match="cannot parse"):
        read_conventions(str(tmp_path / "broken.yaml"))
    with pytest.raises(UserError, match="config file not found"):
        read_conventions(str(tmp_path / "none.yaml"))
