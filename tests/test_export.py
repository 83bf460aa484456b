"""Exports for deploy tools: params/deploy.yaml in unitree_rl_lab's schema (the real files' keys,
nesting and orders), mjlab's ONNX metadata, what sim2sim reads back from both, and the round trip
of a short go2-velocity run (the exported ONNX + deploy.yaml give sim2sim the checkpoint's results)."""

import json
import os

import numpy as np
import onnx
import pytest
import torch
import yaml
from onnx import TensorProto, helper, numpy_helper

import sim2sim
from env_wrapper import make_env
from legged_mjx.errors import UserError
from legged_mjx.export import deploy_yaml_text, export_deploy_files
from legged_mjx.export.checkpoint import export_checkpoint
from legged_mjx.export.deploy_yaml import deploy_config, deploy_problems
from legged_mjx.export.onnx_metadata import DEPLOY_YAML_KEY, MJLAB_KEYS, attach_metadata, read_metadata
from legged_mjx.export.policy_files import export_policy
from legged_mjx.joint_orders import go2_joint_names
from legged_mjx.policies import load_policy
from legged_mjx.sim2sim.evaluate import build_task
from legged_mjx.sim2sim.settings import EvalSettings
from legged_mjx.sim2sim.exports.onnx_metadata import from_onnx_metadata
from legged_mjx.sim2sim.sources import from_policy_file, read_conventions
from legged_mjx.tasks import make_task
from shared_fixtures import fixture_dir
from tests.helpers import short_run

UNITREE_RL_LAB_GO2 = os.path.join(fixture_dir("isaac_go2_history5"), "deploy.yaml")  # written by unitree_rl_lab
UNITREE_MJLAB_GO2 = os.path.join(fixture_dir("unitree_mjlab_go2_deploy"), "deploy.yaml")
UNITREE_RL_LAB_G1 = os.path.join(fixture_dir("unitree_g1_velocity"), "deploy.yaml")
UNITREE_MJLAB_G1 = os.path.join(fixture_dir("unitree_mjlab_g1_velocity"), "deploy.yaml")
needs_fixtures = pytest.mark.skipif(not os.path.isfile(UNITREE_MJLAB_GO2), reason="shared fixtures not present")


@pytest.fixture(scope="module")
def velocity_task():
    return make_task("go2-velocity")


def skeleton(node, lengths: bool = True):
    """Keys in order and nesting, with list lengths (lengths=False: the robot's joint count aside)."""
    if isinstance(node, dict):
        return [(key, skeleton(value, lengths)) for key, value in node.items()]
    if isinstance(node, list):
        return ("list", len(node) if lengths else None, skeleton(node[0], lengths) if node else None)
    return "null" if node is None else "value"


def same_shape(ours, theirs) -> bool:
    """ours has theirs' shape; a null in either stands for an absent value of any shape (clip: null)."""
    if "null" in (ours, theirs):
        return True
    if isinstance(theirs, list):
        return (
            isinstance(ours, list)
            and len(ours) == len(theirs)
            and all(a[0] == b[0] and same_shape(a[1], b[1]) for a, b in zip(ours, theirs))
        )
    if isinstance(theirs, tuple):
        return isinstance(ours, tuple) and ours[:2] == theirs[:2] and same_shape(ours[2], theirs[2])
    return ours == theirs


def load(path: str) -> dict:
    from legged_mjx.sim2sim.exports.facts import load_yaml  # reads the G1 file's python/slice tag

    return load_yaml(path)


# ----- the schema ---------------------------------------------------------------------------------


@needs_fixtures
@pytest.mark.parametrize("path", [UNITREE_RL_LAB_GO2, UNITREE_MJLAB_GO2])
def test_go2_velocity_deploy_yaml_has_the_real_go2_files_keys_nesting_order_and_shapes(velocity_task, path):
    ours = yaml.safe_load(deploy_yaml_text(velocity_task, "test"))
    assert same_shape(skeleton(ours), skeleton(load(path)))


@needs_fixtures
@pytest.mark.parametrize("path", [UNITREE_RL_LAB_G1, UNITREE_MJLAB_G1])
def test_go2_velocity_deploy_yaml_has_the_real_g1_files_keys_nesting_and_order(velocity_task, path):
    ours = yaml.safe_load(deploy_yaml_text(velocity_task, "test"))
    assert same_shape(skeleton(ours, lengths=False), skeleton(load(path), lengths=False))


def test_the_shape_check_catches_a_missing_key_and_a_wrong_order(velocity_task):
    ours = deploy_config(velocity_task)
    reordered = {**dict(list(ours.items())[1:]), "joint_ids_map": ours["joint_ids_map"]}
    without = {k: v for k, v in ours.items() if k != "step_dt"}
    assert not same_shape(skeleton(reordered), skeleton(ours))
    assert not same_shape(skeleton(without), skeleton(ours))


def test_deploy_yaml_holds_the_tasks_own_facts_in_unitree_sdk_terms(velocity_task):
    data = deploy_config(velocity_task)
    sdk = go2_joint_names("unitree_sdk")
    assert [sdk[i] for i in data["joint_ids_map"]] == velocity_task.cfg.env.joint_names == go2_joint_names("isaac")
    assert data["joint_ids_map"] == [3, 0, 9, 6, 4, 1, 10, 7, 5, 2, 11, 8]  # unitree_rl_lab's Go2 files
    assert data["step_dt"] == pytest.approx(0.02) and "sim_dt" not in data
    assert data["default_joint_pos"] == [0.1, -0.1, 0.1, -0.1, 0.8, 0.8, 1.0, 1.0, -1.5, -1.5, -1.5, -1.5]
    assert data["stiffness"] == [25.0] * 12 and data["damping"] == [0.5] * 12
    action = data["actions"]["JointPositionAction"]
    assert action["scale"] == [0.25] * 12 and action["offset"] == data["default_joint_pos"]
    assert action["clip"] == [[-100.0, 100.0]] * 12
    observations = data["observations"]
    assert list(observations) == [t.name for t in velocity_task.cfg.obs.groups["policy"]]
    assert observations["base_ang_vel"]["scale"] == [0.2] * 3 and observations["joint_vel_rel"]["scale"] == [0.05] * 12
    assert observations["velocity_commands"]["params"] == {"command_name": "base_velocity"}
    assert data["commands"]["base_velocity"]["ranges"] == {
        "lin_vel_x": [-1.0, 1.0], "lin_vel_y": [-0.4, 0.4], "ang_vel_z": [-1.0, 1.0], "heading": None
    }  # fmt: skip
    assert deploy_problems(velocity_task) == []


def test_a_changed_config_changes_the_export(velocity_task):
    """Written from the task's data: a config change reaches the file with no second list to edit."""
    task = make_task("go2-velocity", kp=30.0, sim_dt=0.004, decimation=5)
    data = deploy_config(task)
    assert data["stiffness"] == [30.0] * 12 and data["step_dt"] == pytest.approx(0.02)
    assert list(data)[:3] == ["joint_ids_map", "step_dt", "sim_dt"] and data["sim_dt"] == 0.004


@needs_fixtures
def test_ours_reads_back_through_our_reader_as_the_unitree_mjlab_file_does(velocity_task, tmp_path):
    path = tmp_path / "deploy.yaml"
    path.write_text(deploy_yaml_text(velocity_task, "test"))
    kind, ours = read_conventions(str(path))
    their_kind, theirs = read_conventions(UNITREE_MJLAB_GO2)
    assert kind == their_kind == "deploy_yaml"
    # theirs, as published: joints by leg, mirrored hips, per-joint gains, no clip
    assert theirs.joint_names == go2_joint_names("mjcf") and theirs.default_joint_pos[:4] == [-0.1, 0.9, -1.8, 0.1]
    assert theirs.kp[:3] == [20.0, 20.0, 40.0] and theirs.action_clip == float("inf")
    # ours: exactly the task's configuration
    env = velocity_task.cfg.env
    assert ours.joint_names == env.joint_names
    assert ours.default_joint_pos == [env.default_joint_pos[n] for n in env.joint_names]
    assert (ours.kp, ours.kd, ours.action_scale) == ([25.0] * 12, [0.5] * 12, [0.25] * 12)
    assert (ours.action_clip, ours.action_latency, ours.sim_dt, ours.decimation) == (100.0, False, 0.005, 4)
    expected = [(t.name, t.scale, t.clip, t.history_length) for t in velocity_task.cfg.obs.groups["policy"]]
    got = [(t.name, sorted(set(t.scale)), t.clip, t.history_length) for t in ours.observations]
    assert got == [(n, [s], c, h) for n, s, c, h in expected]
    assert ours.command_ranges == {n: velocity_task.cfg.command.ranges[n] for n in velocity_task.cfg.command.names}
    assert [t.name for t in ours.observations] == [t.name for t in theirs.observations]


def test_go2_export_says_it_is_not_deployable_and_sim2sim_refuses_its_deploy_yaml(tiny_run, tmp_path):
    task = make_task("go2")
    problems = deploy_problems(task)
    assert any("base_lin_vel" in p for p in problems) and any("height, jump" in p for p in problems)
    assert any("latency" in p for p in problems)
    text = deploy_yaml_text(task, "go2-test")
    assert "# NOT DEPLOYABLE AS IS" in text and "sim2sim.py --checkpoint" in text
    path = tmp_path / "deploy.yaml"
    path.write_text(text)
    source = from_policy_file(str(tiny_run / "exported" / "policy.pt"), str(path))
    with pytest.raises(UserError, match="maps 50 observations to 12 actions, but the conventions give 48"):
        build_task(source, EvalSettings())


# ----- mjlab's ONNX metadata ----------------------------------------------------------------------


def mjlab_onnx(path, stiffness: str, damping: str, **extra) -> str:
    """A 45 -> 12 linear ONNX policy with metadata written the way mjlab writes it (three decimals)."""
    weight = numpy_helper.from_array(np.full((45, 12), 0.01, np.float32), "W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["obs", "W"], ["actions"])],
        "policy",
        [helper.make_tensor_value_info("obs", TensorProto.FLOAT, [1, 45])],
        [helper.make_tensor_value_info("actions", TensorProto.FLOAT, [1, 12])],
        [weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    metadata = {
        "run_path": "local",
        "joint_names": ",".join(go2_joint_names("mjcf")),
        "joint_stiffness": stiffness,
        "joint_damping": damping,
        "default_joint_pos": ",".join(["-0.100,0.900,-1.800", "0.100,0.900,-1.800"] * 2),
        "command_names": "twist",
        "observation_names": "base_ang_vel,projected_gravity,joint_pos,joint_vel,actions,command",
        "action_scale": "0.500",
        **extra,
    }
    for key, value in metadata.items():
        model.metadata_props.add(key=key, value=value)
    onnx.save(model, str(path))
    return str(path)


GAINS = (",".join(["20.000,20.000,40.000"] * 4), ",".join(["1.000,1.000,2.000"] * 4))


def test_mjlab_metadata_is_a_config_source_with_its_gaps_stated(tmp_path):
    path = mjlab_onnx(tmp_path / "policy.onnx", *GAINS)
    kind, conv = from_onnx_metadata(path)
    assert kind == "onnx_mjlab"
    assert conv.joint_names == go2_joint_names("mjcf")
    assert conv.kp == [20.0, 20.0, 40.0] * 4 and conv.kd == [1.0, 1.0, 2.0] * 4
    assert conv.action_scale == [0.5] * 12 and conv.action_offset == conv.default_joint_pos
    assert conv.default_joint_pos[:6] == [-0.1, 0.9, -1.8, 0.1, 0.9, -1.8]
    names = ["base_ang_vel", "projected_gravity", "joint_pos_rel", "joint_vel_rel", "last_action", "velocity_commands"]
    assert [(t.name, t.scale, t.clip) for t in conv.observations] == [(n, 1.0, None) for n in names]
    assert (conv.sim_dt, conv.decimation, conv.action_clip) == (0.005, 4, float("inf"))
    assert len(conv.assumptions) == 4 and any("command ranges" in a for a in conv.assumptions)
    source = from_policy_file(path, None)
    assert (source.kind, source.path) == ("onnx_mjlab", path)
    assert build_task(source, EvalSettings()).num_actions == 12  # 45 observations fit


@pytest.mark.parametrize(
    "stiffness, damping, message",
    [
        (",".join(["1.000"] * 12), ",".join(["-0.000"] * 12), "joint_stiffness 1 and joint_damping 0 on every joint"),
        (GAINS[0], ",".join(["1.000"] * 11 + ["-2.000"]), "PD gains must be > 0, got RR_calf_joint (kp 40, kd -2)"),
        (GAINS[0], ",".join(["1.000"] * 11), "joint_damping has 11 values for 12 joints"),
        (GAINS[0], ",".join(["1.000"] * 11 + ["nan"]), "non-finite"),
    ],
)
def test_implausible_metadata_is_refused_in_one_line(tmp_path, capsys, stiffness, damping, message):
    path = mjlab_onnx(tmp_path / "policy.onnx", stiffness, damping)
    with pytest.raises(SystemExit) as exit_info:
        sim2sim.main(["--policy", path, "--num_envs", "12"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0], err


def test_an_onnx_without_metadata_needs_a_config(tmp_path):
    path = tmp_path / "bare.onnx"
    model = onnx.load(mjlab_onnx(tmp_path / "policy.onnx", *GAINS))
    del model.metadata_props[:]
    onnx.save(model, str(path))
    with pytest.raises(UserError, match="no mjlab metadata in the ONNX file .* give its conventions with --config"):
        from_onnx_metadata(str(path))


# ----- a short go2-velocity run: export at the end of training, and the round trip --------------


@pytest.fixture(scope="module")
def velocity_run(tmp_path_factory):
    """A go2-velocity run as train_ppo.py leaves it: 2 iterations of 8 environments (an observation
    normaliser that is not the identity), its checkpoint, cfgs.pkl, exported/ and params/."""
    folder = tmp_path_factory.mktemp("go2-velocity-run")
    env = make_env("go2-velocity", num_envs=8, device="cpu", seed=0)
    runner = short_run(env, "go2-velocity", folder, 2, 8)
    export_policy(runner, str(folder))
    notes = export_deploy_files(str(folder), env.task, "go2-velocity-test")
    return folder, env, notes


def test_training_advances_the_foot_timers(velocity_run):
    _, env, _ = velocity_run
    timers = env.state.foot_timers
    assert float(np.max(np.asarray(timers["contact_time"]) + np.asarray(timers["air_time"]))) > 0


def test_the_end_of_training_export_writes_deploy_yaml_and_metadata(velocity_run):
    folder, env, notes = velocity_run
    text = (folder / "params" / "deploy.yaml").read_text()
    assert text == deploy_yaml_text(env.task, "go2-velocity-test") and "NOT DEPLOYABLE" not in "".join(notes)
    metadata = read_metadata(str(folder / "exported" / "policy.onnx"))
    assert set(MJLAB_KEYS) <= set(metadata) and metadata[DEPLOY_YAML_KEY] == text
    assert metadata["joint_names"] == ",".join(go2_joint_names("isaac"))
    assert metadata["joint_stiffness"] == ",".join(["25.000"] * 12)
    assert metadata["default_joint_pos"].startswith("0.100,-0.100,0.100,-0.100,0.800")
    assert metadata["command_names"] == "base_velocity" and metadata["action_scale"] == "0.25"
    assert (
        metadata["observation_names"]
        == "base_ang_vel,projected_gravity,velocity_commands,joint_pos_rel,joint_vel_rel,last_action"
    )


def test_metadata_that_disagrees_with_its_deploy_yaml_is_refused(velocity_run, tmp_path):
    folder, _, _ = velocity_run
    path = str(tmp_path / "policy.onnx")
    model = onnx.load(str(folder / "exported" / "policy.onnx"))
    onnx.save(model, path)
    attach_metadata(path, {"joint_stiffness": ",".join(["30.000"] * 12)})
    with pytest.raises(UserError, match="metadata joint_stiffness disagree with its own deploy_yaml"):
        from_onnx_metadata(path)


def test_any_checkpoint_exports_the_same_files(velocity_run, tmp_path):
    folder, env, _ = velocity_run
    out = tmp_path / "export"
    export_checkpoint(str(folder / "model_2.pt"), str(out))
    body = lambda text: text.split("\n", 1)[1]  # noqa: E731 - the first line names the run
    assert body((out / "params" / "deploy.yaml").read_text()) == body((folder / "params" / "deploy.yaml").read_text())
    obs = torch.randn(16, 45)
    actions = load_policy(str(out / "exported" / "policy.onnx"))(obs)
    expected = load_policy(str(folder / "model_2.pt"))(obs)
    assert torch.allclose(actions, expected, atol=1e-5)


def report_of(report_dir) -> dict:
    with open(os.path.join(report_dir, "report.json")) as handle:
        return json.load(handle)


ROUND_TRIP = ["--num_envs", "6", "--duration", "1.0", "--settle", "0.2", "--seed", "3"]
ROUND_TRIP += ["--sweep", "forward=0.5", "turning=0.5"]


def test_round_trip_onnx_and_deploy_yaml_give_the_checkpoints_results(velocity_run, tmp_path):
    """Same seed, same start states, same sweep: the only difference is the inference engine
    (onnxruntime vs torch), whose float32 results differ in the last bits, so every reported figure
    agrees to 1e-5 and the verdict and fall rates are identical."""
    folder, _, _ = velocity_run
    onnx_policy, deploy = str(folder / "exported" / "policy.onnx"), str(folder / "params" / "deploy.yaml")
    runs = {
        "checkpoint": ["--checkpoint", str(folder / "model_2.pt")],
        "deploy": ["--policy", onnx_policy, "--config", deploy],
        "metadata": ["--policy", onnx_policy],
    }
    reports = {}
    for name, args in runs.items():
        sim2sim.main([*args, *ROUND_TRIP, "--out", str(tmp_path / name)])
        reports[name] = report_of(tmp_path / name)
    assert reports["deploy"]["source"]["kind"] == "deploy_yaml"
    assert reports["metadata"]["source"]["kind"] == "onnx_deploy_yaml"
    reference = reports["checkpoint"]
    for name in ("deploy", "metadata"):
        report = reports[name]
        assert report["verdict"] == reference["verdict"]
        for ours, theirs in zip(report["rows"], reference["rows"]):
            assert ours["row"] == theirs["row"] and ours["fall_rate"] == theirs["fall_rate"]
            for axis in ("vx", "vy", "wz"):
                for key in ("achieved", "rmse"):
                    assert ours["tracking"][axis][key] == pytest.approx(theirs["tracking"][axis][key], abs=1e-5)
            assert ours["torque_abs_Nm"] == pytest.approx(theirs["torque_abs_Nm"], abs=1e-4)
    assert reports["metadata"]["rows"] == reports["deploy"]["rows"]  # the same file read two ways: bit-identical
