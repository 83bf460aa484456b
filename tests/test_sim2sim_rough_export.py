"""Isaac Lab rough-terrain exports as published: env.yaml files of Isaac Lab 1.x (omni.isaac.lab and
the older omni.isaac.orbit paths, YAML anchors, no action clip, no history_length, class_type {})
with a height_scan term read from the scene's ray caster; the real Go2 rough export
(../shared/fixtures/isaac_go2_rough) reads, and walks on flat ground."""

import json
import os

import pytest

from legged_mjx.errors import UserError
from legged_mjx.sim2sim.evaluate import build_task
from legged_mjx.sim2sim.exports.facts import load_yaml
from legged_mjx.sim2sim.exports.isaac_env_yaml import from_isaac_env_yaml
from legged_mjx.sim2sim.settings import EvalSettings
from legged_mjx.sim2sim.sources import from_policy_file
from shared_fixtures import fixture_dir
from tests.helpers import run_sim2sim

ROUGH = fixture_dir("isaac_go2_rough")
ROUGH_POLICY = os.path.join(ROUGH, "exported", "policy.onnx")
needs_rough = pytest.mark.skipif(not os.path.isdir(ROUGH), reason="shared fixtures not present")

# An Isaac Lab 1.x env.yaml of a Go2 rough task, cut to what sim2sim reads: NS is the namespace,
# the command ranges alias the height scan's clip (anchors, as Isaac Lab's dumps write them), a
# light with `class_type: {}`, no `clip` in the action term, no `history_length` anywhere, and a
# 0.4 m x 0.2 m scan grid at 0.2 m (3 x 2 = 6 points).
SMALL_ENV_YAML = """
sim:
  dt: 0.005
decimation: 4
scene:
  robot:
    class_type: NS.assets.articulation.articulation:Articulation
    init_state:
      joint_pos:
        .*L_hip_joint: 0.1
        .*R_hip_joint: -0.1
        F[L,R]_thigh_joint: 0.8
        R[L,R]_thigh_joint: 1.0
        .*_calf_joint: -1.5
    actuators:
      base_legs:
        class_type: NS.actuators.actuator_pd:DCMotor
        joint_names_expr: [.*_hip_joint, .*_thigh_joint, .*_calf_joint]
        effort_limit: 23.5
        velocity_limit: 30.0
        saturation_effort: 23.5
        stiffness: 25.0
        damping: 0.5
  height_scanner:
    class_type: NS.sensors.ray_caster.ray_caster:RayCaster
    offset:
      pos: !!python/tuple [0.0, 0.0, 20.0]
    attach_yaw_only: true
    pattern_cfg:
      func: NS.sensors.ray_caster.patterns.patterns:grid_pattern
      resolution: 0.2
      size: [0.4, 0.2]
      direction: !!python/tuple [0.0, 0.0, -1.0]
  light:
    class_type: {}
observations:
  policy:
    concatenate_terms: true
    enable_corruption: true
    base_lin_vel: {func: "NS.envs.mdp.observations:base_lin_vel", params: {}, clip: null, scale: null}
    base_ang_vel: {func: "NS.envs.mdp.observations:base_ang_vel", params: {}, clip: null, scale: null}
    projected_gravity: {func: "NS.envs.mdp.observations:projected_gravity", params: {}, clip: null, scale: null}
    velocity_commands:
      func: NS.envs.mdp.observations:generated_commands
      params: {command_name: base_velocity}
      clip: null
      scale: null
    joint_pos: {func: "NS.envs.mdp.observations:joint_pos_rel", params: {}, clip: null, scale: null}
    joint_vel: {func: "NS.envs.mdp.observations:joint_vel_rel", params: {}, clip: null, scale: null}
    actions: {func: "NS.envs.mdp.observations:last_action", params: {}, clip: null, scale: null}
    height_scan:
      func: NS.envs.mdp.observations:height_scan
      params:
        sensor_cfg: {name: height_scanner, joint_ids: !!python/object/apply:builtins.slice [null, null, null]}
      clip: &unit !!python/tuple [-1.0, 1.0]
      scale: null
actions:
  joint_pos:
    class_type: NS.envs.mdp.actions.joint_actions:JointPositionAction
    joint_names: [.*]
    scale: 0.25
    offset: 0.0
    use_default_offset: true
commands:
  base_velocity:
    heading_command: true
    ranges:
      lin_vel_x: *unit
      lin_vel_y: *unit
      ang_vel_z: *unit
"""


def small_env_yaml(tmp_path, namespace: str, **replace) -> str:
    text = SMALL_ENV_YAML.replace("NS", namespace)
    for old, new in replace.items():
        text = text.replace(old, new)
    path = tmp_path / f"{namespace}.yaml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("namespace", ["omni.isaac.lab", "omni.isaac.orbit", "isaaclab"])
def test_an_isaac_lab_1_env_yaml_reads_with_its_defaults_listed(tmp_path, namespace):
    path = small_env_yaml(tmp_path, namespace)
    conv = from_isaac_env_yaml(load_yaml(path), path)
    assert conv.action_clip == float("inf")  # no clip key: no clip
    names = [t.name for t in conv.observations]
    assert names[0] == "base_lin_vel" and names[-1] == "height_scan"
    assert all(t.history_length == 1 for t in conv.observations)  # no history_length: no history
    scan = conv.observations[-1]
    assert (scan.scale, scan.clip) == (1.0, 1.0)
    assert conv.height_scan == {"size": [0.4, 0.2], "resolution": 0.2, "ordering": "xy", "offset": 0.5}
    assert conv.command_ranges["lin_vel_x"] == [-1.0, 1.0]  # an alias of the clip's anchor
    assumed = " | ".join(conv.assumptions)
    for fact in ("no clip key", "no history_length key", "no ordering key", "default 0.5 m"):
        assert fact in assumed
    assert "base_lin_vel, base_ang_vel" in assumed and len(conv.assumptions) == 4  # one line for every term


def test_stated_keys_are_read_not_assumed(tmp_path):
    path = small_env_yaml(
        tmp_path,
        "isaaclab",
        **{
            "    scale: 0.25\n": "    scale: 0.25\n    clip: [-5.0, 5.0]\n",
            "      resolution: 0.2\n": "      resolution: 0.2\n      ordering: yx\n",
            "params:\n        sensor_cfg": "params:\n        offset: 0.3\n        sensor_cfg",
        },
    )
    conv = from_isaac_env_yaml(load_yaml(path), path)
    assert conv.action_clip == 5.0
    assert conv.height_scan == {"size": [0.4, 0.2], "resolution": 0.2, "ordering": "yx", "offset": 0.3}
    assert len(conv.assumptions) == 1 and "history_length" in conv.assumptions[0]


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("name: height_scanner", "name: lidar", "params.sensor_cfg.name must name a ray caster in scene, got 'lidar'"),
        ("attach_yaw_only: true", "attach_yaw_only: false", "only a yaw-aligned height scanner"),
        ("[0.0, 0.0, 20.0]", "[0.1, 0.0, 20.0]", "a sensor offset in x or y ([0.1, 0.0]) is not supported"),
        ("      resolution: 0.2\n", "", "missing pattern_cfg.resolution"),
    ],
)
def test_a_height_scanner_sim2sim_cannot_reproduce_is_a_one_line_error(tmp_path, old, new, message):
    path = small_env_yaml(tmp_path, "omni.isaac.lab", **{old: new})
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")) as error:
        from_isaac_env_yaml(load_yaml(path), path)
    assert "\n" not in str(error.value)


@needs_rough
def test_both_env_yaml_files_of_the_rough_fixture_read_to_the_same_conventions():
    lab, orbit = (os.path.join(ROUGH, "params", name) for name in ("env.yaml", "env.orbit.yaml"))
    conv_lab, conv_orbit = from_isaac_env_yaml(load_yaml(lab), "x"), from_isaac_env_yaml(load_yaml(orbit), "x")
    assert conv_lab == conv_orbit
    assert conv_lab.height_scan == {"size": [1.6, 1.0], "resolution": 0.1, "ordering": "xy", "offset": 0.5}
    assert conv_lab.action_clip == float("inf") and conv_lab.action_scale == [0.25] * 12


@needs_rough
def test_a_policy_wider_than_the_terms_is_a_one_line_error_naming_both_widths(tmp_path):
    # the fixture's env.yaml with a 0.4 m x 0.2 m scan: 48 + 6 values, the policy reads 48 + 187
    text = (
        open(os.path.join(ROUGH, "params", "env.yaml"))
        .read()
        .replace("      - 1.6\n      - 1.0\n", "      - 0.4\n      - 0.2\n")
    )
    text = text.replace("      resolution: 0.1\n      size:", "      resolution: 0.2\n      size:")
    (tmp_path / "env.yaml").write_text(text)
    source = from_policy_file(ROUGH_POLICY, str(tmp_path / "env.yaml"))
    with pytest.raises(UserError) as error:
        build_task(source, EvalSettings(num_envs=4, duration_s=1.0, settle_s=0.0, backend="mujoco"))
    message = str(error.value)
    assert "maps 235 observations" in message and "give 54 observations" in message and "\n" not in message


@needs_rough
def test_the_rough_export_walks_on_flat_ground_as_published(tmp_path):
    out = tmp_path / "report"
    status = run_sim2sim(
        "--policy", ROUGH_POLICY, "--config", os.path.join(ROUGH, "params", "env.yaml"),
        "--backend", "mujoco", "--num_envs", 4, "--duration", 3, "--settle", 1, "--sweep", "forward=0.5,1.0",
        "--out", out,
    )  # fmt: skip
    report = json.loads((out / "report.json").read_text())
    assert status == 0, report["checks"]
    for row in report["rows"]:  # no falls at 0.5 and 1.0 m/s forward, forward speed within 25 %
        assert row["fall_rate"] == 0.0 and abs(row["tracking"]["vx"]["ratio"] - 1.0) <= 0.25
    assert any("no clip key" in fact for fact in report["assumptions"])
