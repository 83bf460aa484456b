"""sim2sim reads Isaac Lab / unitree_rl_lab exports as published: deploy.yaml variants (no sim_dt,
per-joint clip, command-term aliases, any joint_ids_map, scalar or per-joint values, CRLF), ONNX
policies with several outputs or external weights, and the real history-5 export end to end."""

import json
import os

import numpy as np
import onnx
import pytest
import torch
import yaml
from onnx import TensorProto, helper, numpy_helper

import sim2sim
from legged_mjx.errors import UserError
from legged_mjx.joint_orders import go2_joint_names
from legged_mjx.model import asset_path, joint_index, load_model
from legged_mjx.policies import load_policy
from legged_mjx.sim2sim.export_task import export_task_cfg as to_task_cfg
from legged_mjx.terrain.task_terrain import TaskTerrain
from legged_mjx.sim2sim.sources import read_conventions
from shared_fixtures import fixture_dir

HISTORY5 = fixture_dir("isaac_go2_history5")
LEG_ORDERED_MAP = [3, 4, 5, 0, 1, 2, 9, 10, 11, 6, 7, 8]  # policy joints FL hip, thigh, calf, FR ..., RL ..., RR ...
# A deploy.yaml as unitree_rl_lab writes it (no sim_dt, per-joint clip, params: {}, joint_ids: null).
DEPLOY = """\
joint_ids_map: [3, 0, 9, 6, 4, 1, 10, 7, 5, 2, 11, 8]
step_dt: 0.02
stiffness: 25.0
damping: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
default_joint_pos: [0.1, -0.1, 0.1, -0.1, 0.8, 0.8, 1.0, 1.0, -1.5, -1.5, -1.5, -1.5]
commands:
  base_velocity:
    ranges: {lin_vel_x: [-1.0, 1.0], lin_vel_y: [-0.4, 0.4], ang_vel_z: [-1.0, 1.0], heading: null}
actions:
  JointPositionAction:
    clip: [[-100.0, 100.0], [-100.0, 100.0], [-100.0, 100.0], [-100.0, 100.0], [-100.0, 100.0], [-100.0, 100.0],
           [-100.0, 100.0], [-100.0, 100.0], [-100.0, 100.0], [-100.0, 100.0], [-100.0, 100.0], [-100.0, 100.0]]
    joint_names: [.*]
    scale: 0.25
    offset: [0.1, -0.1, 0.1, -0.1, 0.8, 0.8, 1.0, 1.0, -1.5, -1.5, -1.5, -1.5]
    joint_ids: null
observations:
  base_ang_vel: {params: {}, clip: [-100, 100], scale: [0.2, 0.2, 0.2], history_length: 1}
  velocity_commands:
    params: {command_name: base_velocity}
    clip: [-100, 100]
    scale: [1.0, 1.0, 1.0]
    history_length: 1
  joint_pos_rel: {params: {}, clip: [-100, 100], scale: 1.0, history_length: 1}
"""


def deploy_data() -> dict:
    return yaml.safe_load(DEPLOY)


def read(tmp_path, data: dict, sim_dt=None, name="deploy.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    kind, conv = read_conventions(str(path), sim_dt)
    assert kind == "deploy_yaml"
    return conv


def read_and_build(tmp_path, data: dict) -> TaskTerrain:
    """The terrain part of the evaluation task built from a deploy.yaml (where its scan is checked)."""
    return TaskTerrain(to_task_cfg(read(tmp_path, data)).terrain, episode_length_s=20.0)


def one_line_error(call, *args) -> str:
    with pytest.raises(UserError) as error:
        call(*args)
    assert "\n" not in str(error.value)
    return str(error.value)


def test_published_layout_reads_with_per_joint_clip_and_assumed_sim_dt(tmp_path):
    conv = read(tmp_path, deploy_data())
    assert conv.joint_names == go2_joint_names("isaac")
    assert (conv.action_clip, conv.sim_dt, conv.decimation) == (100.0, 0.005, 4)
    assert conv.kp == [25.0] * 12 and conv.action_scale == [0.25] * 12
    assert [t.name for t in conv.observations] == ["base_ang_vel", "velocity_commands", "joint_pos_rel"]
    (assumption,) = conv.assumptions
    assert "sim_dt 0.005 s assumed" in assumption and "--sim_dt" in assumption


def test_crlf_line_endings_read_like_lf(tmp_path):
    (tmp_path / "crlf.yaml").write_bytes(DEPLOY.replace("\n", "\r\n").encode())
    (tmp_path / "lf.yaml").write_bytes(DEPLOY.encode())
    assert b"\r\n" in (tmp_path / "crlf.yaml").read_bytes()
    crlf, lf = read_conventions(str(tmp_path / "crlf.yaml"))[1], read_conventions(str(tmp_path / "lf.yaml"))[1]
    crlf.source = lf.source
    assert crlf == lf


@pytest.mark.parametrize(
    "stated, override, sim_dt, decimation",
    [(0.01, None, 0.01, 2), (None, 0.0025, 0.0025, 8), (0.005, 0.01, 0.01, 2)],
)
def test_sim_dt_from_the_file_or_the_override_is_not_an_assumption(tmp_path, stated, override, sim_dt, decimation):
    data = deploy_data()
    if stated is not None:
        data["sim_dt"] = stated
    conv = read(tmp_path, data, sim_dt=override)
    assert (conv.sim_dt, conv.decimation, conv.assumptions) == (sim_dt, decimation, [])
    assert any("--sim_dt" in note for note in conv.notes) == (override is not None)


def test_sim_dt_that_does_not_divide_step_dt_is_refused(tmp_path):
    message = one_line_error(read, tmp_path, deploy_data(), 0.003)
    assert "step_dt 0.02 is not a whole multiple of sim_dt 0.003" in message
    assert "sim_dt must be a positive number" in one_line_error(read, tmp_path, deploy_data(), -0.005)
    data = deploy_data()
    data["step_dt"] = None
    assert "step_dt must be a positive number of seconds, got None" in one_line_error(read, tmp_path, data)


def test_per_joint_clip_ranges_must_be_identical_and_symmetric(tmp_path):
    data = deploy_data()
    data["actions"]["JointPositionAction"]["clip"] = [[-5.0, 5.0]] * 12
    assert read(tmp_path, data).action_clip == 5.0
    data["actions"]["JointPositionAction"]["clip"] = [[-5.0, 5.0]] * 11 + [[-4.0, 4.0]]
    assert "needs 12 identical [lo, hi] ranges" in one_line_error(read, tmp_path, data)
    data["actions"]["JointPositionAction"]["clip"] = [[-5.0, 5.0]] * 11
    assert "needs 12 identical" in one_line_error(read, tmp_path, data)
    data["actions"]["JointPositionAction"]["clip"] = [[-1.0, 2.0]] * 12
    assert "symmetric range [-c, c], got [-1.0, 2.0]" in one_line_error(read, tmp_path, data)
    data["actions"]["JointPositionAction"]["clip"] = None
    assert read(tmp_path, data).action_clip == float("inf")


@pytest.mark.parametrize(
    "name, params",
    [
        ("keyboard_velocity_commands", {}),
        ("generated_commands", {"command_name": "base_velocity"}),
        ("velocity_commands", None),
        ("cmd", {"command_name": "base_velocity"}),  # any name: the command it reads identifies it
    ],
)
def test_velocity_command_term_is_found_by_command_name_or_alias(tmp_path, name, params):
    data = deploy_data()
    terms = data["observations"]
    term = terms.pop("velocity_commands")
    term["params"] = params
    data["observations"] = {"base_ang_vel": terms["base_ang_vel"], name: term, "joint_pos_rel": terms["joint_pos_rel"]}
    conv = read(tmp_path, data)
    assert [t.name for t in conv.observations] == ["base_ang_vel", "velocity_commands", "joint_pos_rel"]


def test_other_commands_and_unknown_terms_are_refused(tmp_path):
    data = deploy_data()
    data["observations"]["generated_commands"] = {"params": {"command_name": "gait"}, "scale": 1.0, "clip": None}
    data["observations"]["generated_commands"]["history_length"] = 1
    assert "observation 'generated_commands' reads command 'gait'" in one_line_error(read, tmp_path, data)
    data = deploy_data()
    data["actions"]["JointPositionAction"]["joint_ids"] = [0, 1, 2]
    assert "joint_ids must select all joints" in one_line_error(read, tmp_path, data)


def test_a_height_scan_term_is_read_with_isaac_labs_defaults_for_what_it_omits(tmp_path):
    """unitree_rl_lab's schema has no height_scan; a file naming one gives its grid in params, and
    each key it omits is Isaac Lab's rough task's value, listed under Assumptions."""
    data = deploy_data()
    data["observations"]["height_scan"] = {
        "params": {"size": [1.2, 0.8], "offset": 0.4},
        "scale": 1.0,
        "clip": [-1.0, 1.0],
        "history_length": 1,
    }
    conv = read(tmp_path, data)
    assert conv.observations[-1].name == "height_scan" and conv.observations[-1].clip == 1.0
    assert conv.height_scan == {"size": [1.2, 0.8], "resolution": 0.1, "ordering": "xy", "offset": 0.4}
    assert any("no resolution, ordering in params" in a for a in conv.assumptions)
    data["observations"]["height_scan"]["params"] = {"size": [1.6, "wide"]}
    assert "height scan needs a number resolution and two number sizes, got 0.1, [1.6, 'wide']" in one_line_error(
        read_and_build, tmp_path, data
    )
    data["observations"]["height_scan"]["params"] = {"offset": "high"}
    assert "terrain.height_scan_offset must be a finite number of metres, got 'high'" in one_line_error(
        read_and_build, tmp_path, data
    )
    del data["observations"]["height_scan"]["params"]
    assert read(tmp_path, data).height_scan == {"size": [1.6, 1.0], "resolution": 0.1, "ordering": "xy", "offset": 0.5}


def test_leg_ordered_joint_ids_map_orders_joints_and_per_joint_values(tmp_path):
    """Policy joint i drives SDK motor map[i] (SDK legs FR, FL, RR, RL): the leg-ordered map gives
    FL, FR, RL, RR each hip, thigh, calf, which is the MJCF order; policy-order lists follow it."""
    data = deploy_data()
    data["joint_ids_map"] = LEG_ORDERED_MAP
    default = [0.1, 0.8, -1.5, -0.1, 0.8, -1.5, 0.1, 1.0, -1.5, -0.1, 1.0, -1.5]  # FL, FR, RL, RR
    data["default_joint_pos"] = data["actions"]["JointPositionAction"]["offset"] = default
    data["stiffness"] = [20.0 + i for i in range(12)]  # indexed by SDK motor (FR, FL, RR, RL), as exported
    data["observations"]["joint_pos_rel"]["scale"] = [1.0 + i / 10 for i in range(12)]
    conv = read(tmp_path, data)
    names = conv.joint_names
    assert names == go2_joint_names("mjcf") and names[:4] == [
        "FL_hip_joint",
        "FL_thigh_joint",
        "FL_calf_joint",
        "FR_hip_joint",
    ]
    assert conv.default_joint_pos == default == conv.action_offset
    assert conv.kp == [20.0 + motor for motor in LEG_ORDERED_MAP]  # policy joint i gets motor map[i]'s gain
    cfg = to_task_cfg(conv)
    assert cfg.env.default_joint_pos["FR_hip_joint"] == -0.1 and cfg.env.default_joint_pos["RL_thigh_joint"] == 1.0
    assert dict(zip(cfg.env.joint_names, cfg.env.kp))["RR_calf_joint"] == 28.0  # SDK motor 8
    assert cfg.obs.groups["policy"][2].scale[3] == 1.3  # joint_pos_rel scale of policy joint 3, FR_hip
    # Policy joint i is the i-th MJCF joint: qpos addresses run in order after the free joint.
    adr = joint_index(load_model(asset_path("go2", "scene.xml")), cfg.env.joint_names).qpos_adr
    np.testing.assert_array_equal(adr, 7 + np.arange(12))


def test_any_joint_ids_map_names_policy_joint_i_by_sdk_motor_i(tmp_path):
    data = deploy_data()
    data["joint_ids_map"] = [6, 7, 8, 0, 1, 2, 9, 10, 11, 3, 4, 5]  # SDK motors 6-8 are RR, 0-2 FR, 9-11 RL, 3-5 FL
    legs = [name.split("_")[0] for name in read(tmp_path, data).joint_names]
    assert legs == ["RR"] * 3 + ["FR"] * 3 + ["RL"] * 3 + ["FL"] * 3


def test_joint_ids_map_must_be_a_permutation(tmp_path):
    data = deploy_data()
    data["joint_ids_map"] = LEG_ORDERED_MAP[:11] + [3]
    assert "joint_ids_map must be a permutation of 0..11 (the motors of robot go2)" in one_line_error(
        read, tmp_path, data
    )
    data["joint_ids_map"] = list(range(19))  # a robot with no description
    assert "19 joints fit no shipped robot" in one_line_error(read, tmp_path, data)


# ONNX policies: 4 observations -> named outputs (built with onnx.helper).
W_ACTIONS = np.arange(48, dtype=np.float32).reshape(4, 12) / 48.0


def onnx_model(outputs: dict) -> onnx.ModelProto:
    """obs [1, 4] -> one MatMul output per {name: width}; the output `name` of width 12 uses W_ACTIONS."""
    initializers, nodes, values = [], [], []
    for i, (name, width) in enumerate(outputs.items()):
        weight = W_ACTIONS if width == 12 else np.full((4, width), 0.5 + i, np.float32)
        initializers.append(numpy_helper.from_array(weight, f"w_{name}"))
        nodes.append(helper.make_node("MatMul", ["obs", f"w_{name}"], [name]))
        values.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, width]))
    obs = helper.make_tensor_value_info("obs", TensorProto.FLOAT, [1, 4])
    graph = helper.make_graph(nodes, "policy", [obs], values, initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def save(model, path, **kwargs) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save_model(model, str(path), **kwargs)
    return str(path)


@pytest.mark.parametrize(
    "outputs",
    [
        {"latent": 8, "actions": 12, "value": 1},  # teacher-student: picked by name
        {"mu": 12, "gate": 4},  # mixture of experts: the only output 12 wide
        {"actions": 12},
    ],
)
def test_multi_output_onnx_uses_the_actions(tmp_path, outputs):
    policy = load_policy(save(onnx_model(outputs), tmp_path / "policy.onnx"), action_dim=12)
    obs = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    assert (policy.obs_dim, policy.action_dim) == (4, 12)
    np.testing.assert_allclose(policy(obs).numpy(), obs.numpy() @ W_ACTIONS, rtol=1e-6)


def test_ambiguous_onnx_outputs_are_a_one_line_error_listing_them(tmp_path):
    path = save(onnx_model({"head_a": 12, "head_b": 12, "aux": 3}), tmp_path / "policy.onnx")
    message = one_line_error(load_policy, path, "cpu", "elu", 12)
    assert "cannot tell which ONNX output holds the actions" in message
    assert "head_a ['batch', 12], head_b ['batch', 12], aux ['batch', 3]" in message
    path = save(onnx_model({"mu": 12, "gate": 4}), tmp_path / "two.onnx")
    assert "need one named 'actions' or one output" in one_line_error(load_policy, path)  # width unknown


def test_external_data_onnx_loads_from_any_working_directory(tmp_path, monkeypatch):
    path = save(
        onnx_model({"actions": 12}),
        tmp_path / "export" / "policy.onnx",
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="policy.onnx.data",
        size_threshold=0,
    )
    assert os.path.getsize(tmp_path / "export" / "policy.onnx.data") >= W_ACTIONS.nbytes
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    obs = torch.ones(2, 4)
    for given in (path, os.path.join("..", "export", "policy.onnx")):
        np.testing.assert_allclose(load_policy(given)(obs).numpy(), obs.numpy() @ W_ACTIONS, rtol=1e-6)
    os.remove(tmp_path / "export" / "policy.onnx.data")
    assert "cannot read ONNX model" in one_line_error(load_policy, path)
    newer = onnx_model({"actions": 12})
    newer.ir_version = 99
    assert "cannot read ONNX model" in one_line_error(load_policy, save(newer, tmp_path / "newer.onnx"))


def run_main(*args) -> int:
    try:
        return sim2sim.main([str(a) for a in args])
    except SystemExit as exit_:
        return exit_.code


def test_cli_reports_ambiguous_onnx_and_misplaced_sim_dt_in_one_line(tmp_path, capsys):
    (tmp_path / "deploy.yaml").write_text(DEPLOY)
    policy = save(onnx_model({"head_a": 12, "head_b": 12}), tmp_path / "policy.onnx")
    cases = [
        (
            ["--policy", policy, "--config", tmp_path / "deploy.yaml"],
            "or one output 12 wide): outputs head_a ['batch', 12], head_b",
        ),
        (["--checkpoint", tmp_path / "model_1.pt", "--sim_dt", "0.005"], "give --checkpoint alone"),
    ]
    for args, message in cases:
        assert run_main(*args) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ") and message in err[0], err


@pytest.mark.skipif(not os.path.isdir(HISTORY5), reason="shared fixtures not present")
def test_real_history5_export_runs_as_published_and_passes(tmp_path):
    """The unmodified unitree_rl_lab export (225-D observation, per-joint clip, no sim_dt) walks in
    MJX with no falls and tracks vx 0.5 and 1.0 m/s within 25%; the assumed sim_dt is reported."""
    out = tmp_path / "report"
    code = run_main(
        *("--policy", os.path.join(HISTORY5, "policy.onnx"), "--config", os.path.join(HISTORY5, "deploy.yaml")),
        *("--backend", "mjx", "--num_envs", 16, "--duration", 6, "--settle", 2, "--out", out),
        *("--sweep", "forward=0.5,1.0", "zero"),
    )
    report = json.loads((out / "report.json").read_text())
    assert code == 0 and report["verdict"]["passed"], report["verdict"]
    assert report["policy"]["obs_dim"] == 225 and report["overall"]["fall_rate"] == 0.0
    assert report["conventions"]["sim"] == {"dt": 0.005, "decimation": 4}
    assert len(report["assumptions"]) == 1 and "sim_dt 0.005 s assumed" in report["assumptions"][0]
    ratios = {r["row"]: r["tracking"]["vx"]["ratio"] for r in report["rows"] if r["row"].startswith("forward")}
    assert set(ratios) == {"forward +0.5", "forward +1"} and all(abs(r - 1.0) <= 0.25 for r in ratios.values()), ratios
    summary = (out / "summary.md").read_text()
    assert "## Assumptions\n\n- sim_dt 0.005 s assumed" in summary
