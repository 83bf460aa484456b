"""sim2sim.py end to end: a CI-sized run and its outputs, a checkpoint of this project, one-line
errors for bad input, and the video's OpenGL requirement."""

import json
import os
import pickle
import subprocess
import sys

import mujoco
import pytest
import torch
import yaml

import sim2sim
from legged_mjx.config import to_dict
from legged_mjx.tasks import train_config
from legged_mjx.tasks.go2 import go2_config
from shared_fixtures import fixture_dir

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = fixture_dir("isaac_go2_velocity")
POLICY, DEPLOY = os.path.join(FIXTURE, "policy.pt"), os.path.join(FIXTURE, "deploy.yaml")
ENV_YAML = os.path.join(ROOT, "tests", "fixtures", "sim2sim", "isaac_go2_flat_env.yaml")
needs_fixture = pytest.mark.skipif(not os.path.isdir(FIXTURE), reason="shared fixtures not present")


def run_main(*args) -> int:
    try:
        return sim2sim.main(list(args))
    except SystemExit as exit_:
        return exit_.code


@needs_fixture
def test_ci_sized_run_writes_a_passing_report(tmp_path, capsys):
    """The fixture's deploy.yaml without its sim_dt line (in tmp_path): sim2sim assumes Isaac Lab's
    0.005 s, the value the file states, and says so on the console."""
    deploy = tmp_path / "deploy.yaml"
    with open(DEPLOY) as handle:
        deploy.write_text("".join(line for line in handle if not line.startswith("sim_dt:")))
    out = tmp_path / "report"
    code = run_main(
        "--policy",
        POLICY,
        "--config",
        str(deploy),
        "--num_envs",
        "16",
        "--duration",
        "1.5",
        "--settle",
        "0.5",
        "--sweep",
        "forward=0.5",
        "turning=0.5",
        "zero",
        "--perturb",
        "push=0.5",
        "--push_interval",
        "0.5",
        "--out",
        str(out),
    )
    assert code == 0
    assert sorted(os.listdir(out)) == ["conventions.yaml", "falls.png", "report.json", "summary.md", "tracking.png"]
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"] == {"passed": True, "failed": []}
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if line.startswith("[sim2sim] assumed: ")] == [
        f"[sim2sim] assumed: {assumption}" for assumption in report["assumptions"]
    ]
    assert (
        lines.count(
            "[sim2sim] assumed: sim_dt 0.005 s assumed: the file records only step_dt 0.02; Isaac Lab's go2 "
            "velocity tasks simulate at 0.005 s (override with --sim_dt)"
        )
        == 1
    )
    assert f"[sim2sim] PASS: all {len(report['checks'])} checks" in lines
    assert report["settings"]["backend"] == "mujoco" and report["policy"]["kind"] == "torchscript"  # auto on a CPU
    assert {r["perturbation"] for r in report["rows"]} == {"nominal", "push=0.5"} and len(report["rows"]) == 2 * 4
    assert report["overall"]["samples"] > 0 and report["machine"]["cpu_count"] >= 1
    assert "| forward +0.5 |" in (out / "summary.md").read_text()
    assert (out / "tracking.png").read_bytes()[:4] == b"\x89PNG"

    # The written conventions are a profile: fed back (with the ONNX export), MJX agrees.
    again = tmp_path / "again"
    assert (
        run_main(
            "--policy",
            os.path.join(FIXTURE, "policy.onnx"),
            "--config",
            str(out / "conventions.yaml"),
            "--backend",
            "mjx",
            "--num_envs",
            "12",
            "--duration",
            "1.5",
            "--settle",
            "0.5",
            "--out",
            str(again),
        )
        == 0
    )
    fed_back = json.loads((again / "report.json").read_text())
    assert fed_back["source"]["kind"] == "profile" and fed_back["policy"]["kind"] == "onnx"
    assert fed_back["settings"]["backend"] == "mjx"


def fake_run(folder, task="go2"):
    """A run folder of this project: cfgs.pkl and a small rsl_rl 5.x checkpoint (50 -> 12)."""
    folder.mkdir()
    configs = {"task": task, **to_dict(go2_config()), "train": train_config("go2")}
    with open(folder / "cfgs.pkl", "wb") as handle:
        pickle.dump(configs, handle)
    generator = torch.Generator().manual_seed(0)
    actor = {
        "mlp.0.weight": 0.01 * torch.randn(32, 50, generator=generator),
        "mlp.0.bias": torch.zeros(32),
        "mlp.2.weight": 0.01 * torch.randn(12, 32, generator=generator),
        "mlp.2.bias": torch.zeros(12),
    }
    torch.save({"actor_state_dict": actor, "iter": 1}, folder / "model_1.pt")
    return str(folder / "model_1.pt")


def test_isaac_env_yaml_runs_end_to_end_with_the_dc_motor_law(tmp_path, capsys):
    """A silent 48 -> 12 TorchScript policy under the synthetic env.yaml: the robot stands on its
    DC-motor PD (no falls) but does not walk, so the forward row fails its checks (exit 1); the
    console names the assumptions and the failing checks with their values and limits."""
    silent = torch.nn.Linear(48, 12)
    torch.nn.init.zeros_(silent.weight)
    torch.nn.init.zeros_(silent.bias)
    torch.jit.script(silent).save(str(tmp_path / "policy.pt"))
    out = tmp_path / "report"
    code = run_main(
        "--policy",
        str(tmp_path / "policy.pt"),
        "--config",
        ENV_YAML,
        "--backend",
        "mujoco",
        "--sweep",
        "forward=0.5",
        "zero",
        "--num_envs",
        "2",
        "--duration",
        "1.5",
        "--settle",
        "0.5",
        "--out",
        str(out),
    )
    assert code == 1
    report = json.loads((out / "report.json").read_text())
    assert report["source"]["kind"] == "isaac_env_yaml" and report["conventions"]["actuator"]["law"] == "dc_motor"
    assert report["verdict"]["failed"] == ["vx ratio, forward +0.5", "vx RMSE (nominal)"]
    assert report["overall"]["fall_rate"] == 0.0
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if line.startswith("[sim2sim] assumed: ")] == [
        f"[sim2sim] assumed: {assumption}" for assumption in report["assumptions"]
    ]
    failing = lines[lines.index(f"[sim2sim] FAIL: 2 of {len(report['checks'])} checks failed") + 1 :][:2]
    ratio, rmse = (c for c in report["checks"] if not c["passed"])
    assert failing == [
        f"[sim2sim]   vx ratio, forward +0.5: {ratio['value']:.3f}, limit |x-1|<= 0.25",
        f"[sim2sim]   vx RMSE (nominal): {rmse['value']:.3f}, limit <= 0.25",
    ]


def test_a_missing_value_says_why():
    from legged_mjx.sim2sim.verdict import describe, missing_why

    fell = missing_why({"samples": 0}, 2.0)
    assert fell == "no samples: every environment fell before the settle time (2 s)"
    assert missing_why({"samples": 40}, 2.0) == "|command| < 0.05 on this axis: no achieved/commanded ratio"
    check = {"name": "vx ratio, forward +0.5", "value": None, "op": "|x-1|<=", "limit": 0.25, "why": fell}
    assert describe(check) == f"vx ratio, forward +0.5: -, limit |x-1|<= 0.25 ({fell})"


@needs_fixture
def test_this_projects_checkpoint_given_as_policy_is_pointed_to_checkpoint(tmp_path, capsys):
    checkpoint = fake_run(tmp_path / "run")
    assert run_main("--policy", checkpoint, "--config", DEPLOY, "--backend", "mujoco") == 2
    (err,) = capsys.readouterr().err.strip().splitlines()
    assert "maps 50 observations to 12 actions, but the conventions give 45" in err
    assert err.endswith(f"evaluate it under its own task and config with --checkpoint {checkpoint}")


def test_project_checkpoint_runs_with_its_saved_config(tmp_path):
    fake_run(tmp_path / "run")
    out = tmp_path / "report"
    code = run_main(
        "--checkpoint",
        str(tmp_path / "run"),  # a run folder: its newest model_<it>.pt
        "--backend",
        "mujoco",
        "--num_envs",
        "12",
        "--duration",
        "1.0",
        "--settle",
        "0.5",
        "--out",
        str(out),
    )
    assert code in (0, 1)  # a nearly silent policy: it stands, so forward rows fail their ratio checks
    report = json.loads((out / "report.json").read_text())
    assert report["source"]["kind"] == "checkpoint" and report["policy"]["obs_dim"] == 50
    assert report["conventions"]["env"]["action_latency"] is True  # the run's own config, not Isaac Lab's
    saved = yaml.safe_load((out / "task_config.yaml").read_text())
    assert saved["obs"]["groups"]["policy"][0]["name"] == "base_lin_vel"


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "give --policy with --config"),
        (["--policy", POLICY], "give --policy with --config"),
        (["--policy", "none.pt", "--config", DEPLOY], "policy file not found: none.pt"),
        (["--policy", POLICY, "--config", "none.yaml"], "config file not found: none.yaml"),
        (["--checkpoint", "model_1.pt", "--policy", POLICY], "give --checkpoint alone"),
        (["--checkpoint", "/tmp/nowhere/model_1.pt"], "checkpoint not found: /tmp/nowhere/model_1.pt"),
        (["--policy", POLICY, "--config", DEPLOY, "--sweep", "sideways=1"], "unknown item 'sideways=1'"),
        (
            ["--policy", POLICY, "--config", DEPLOY, "--num_envs", "4"],
            "num_envs 4 < 12 sweep rows x 1 perturbation sets",
        ),
        (["--policy", POLICY, "--config", DEPLOY, "--perturb", "wind=3"], "--perturb: bad item 'wind=3'"),
        (["--policy", POLICY, "--config", DEPLOY, "--threshold", "speed=1"], "--threshold: bad item 'speed=1'"),
        (["--policy", POLICY, "--config", DEPLOY, "--duration", "1", "--settle", "2"], "need 0 <= settle"),
        (["--policy", POLICY, "--config", DEPLOY, "--backend", "mujoco", "--sweep", "forward=3"], "no row lies inside"),
    ],
)
def test_bad_input_is_one_line_error(capsys, args, message):
    if not os.path.isdir(FIXTURE):
        pytest.skip("shared fixtures not present")
    assert run_main(*args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0], err


@needs_fixture
def test_policy_that_does_not_fit_the_conventions(tmp_path, capsys):
    from legged_mjx.sim2sim.exports.conventions import to_profile
    from legged_mjx.sim2sim.sources import read_conventions

    profile = to_profile(read_conventions(DEPLOY)[1])
    profile["observations"] = profile["observations"][:-1]  # forgot last_action: 33 instead of 45
    (tmp_path / "short.yaml").write_text(yaml.safe_dump(profile))
    assert run_main("--policy", POLICY, "--config", str(tmp_path / "short.yaml"), "--backend", "mujoco") == 2
    assert "maps 45 observations to 12 actions, but the conventions give 33 observations" in capsys.readouterr().err


@pytest.fixture(scope="module")
def ballu_checkpoint(tmp_path_factory) -> str:
    """A BALLU run as train_ppo.py writes it: 1 iteration of 8 environments."""
    logs = tmp_path_factory.mktemp("logs")
    command = [sys.executable, "train_ppo.py", "--task", "ballu", "--device", "cpu", "--num_envs", "8"]
    command += ["--max_iterations", "1", "--log_root", str(logs)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    (run,) = (logs / "ballu-ppo-dynaflow").iterdir()
    return str(run / "model_0.pt")


def test_ballu_checkpoint_is_evaluated_with_its_own_task_commands_and_perturbations(ballu_checkpoint, tmp_path):
    out = tmp_path / "report"
    args = ["--checkpoint", ballu_checkpoint, "--backend", "mujoco", "--num_envs", "30", "--duration", "1.0"]
    code = run_main(*args, "--settle", "0.5", "--perturb", "standard", "--out", str(out))
    assert code in (0, 1)  # one iteration of training: the verdict may fail, the report must be whole
    report = json.loads((out / "report.json").read_text())
    assert report["task"] == "ballu" and report["axes"] == ["vx", "vy"]
    assert (report["policy"]["obs_dim"], report["policy"]["action_dim"]) == (16, 2)
    nominal = [r for r in report["rows"] if r["perturbation"] == "nominal"]
    assert [r["row"] for r in nominal] == ["forward +0.25", "forward +0.4", *(f"random {i}" for i in range(4))]
    for row in report["rows"]:  # BALLU's commands: vx in [0.1, 0.4], vy = 0; no yaw rate, no foot slip
        assert list(row["command"]) == list(row["tracking"]) == ["vx", "vy"] and row["in_range"]
        assert 0.1 <= row["command"]["vx"] <= 0.4 and row["command"]["vy"] == 0.0 and "foot_slip_mps" not in row
        assert row["torque_peak_Nm"] <= 0.0848 + 1e-6 and row["samples"] > 0  # BALLU's motors, not Go2's
    names = [p["name"] for p in report["perturbations"]]
    assert names == ["nominal", "push=0.5", "push=1.0", "friction=0.5", "mass=1.2"]
    assert "--perturb standard: gain=0.8 left out (gain does not apply to this task)" in report["notes"]
    checks = [c["name"] for c in report["checks"]]
    assert "vy RMSE (nominal)" in checks and not any("wz" in name for name in checks)
    summary = (out / "summary.md").read_text()
    assert "| row | command vx, vy | in range |" in summary and "| forward +0.4 | +0.40, +0.00 | yes |" in summary
    assert "foot slip" not in summary and "wz" not in summary and "task `ballu`" in summary
    saved = yaml.safe_load((out / "task_config.yaml").read_text())
    assert saved["env"]["GCR"] == 0.84 and saved["command"]["names"] == ["lin_vel_x", "lin_vel_y"]


def test_ballu_on_mjx_agrees_with_native_mujoco(ballu_checkpoint, tmp_path):
    summaries = {}
    for backend in ("mujoco", "mjx"):
        out = tmp_path / backend
        args = ["--checkpoint", ballu_checkpoint, "--backend", backend, "--sweep", "forward=0.3", "--num_envs", "2"]
        assert run_main(*args, "--duration", "1.0", "--settle", "0.5", "--out", str(out)) in (0, 1)
        summaries[backend] = json.loads((out / "report.json").read_text())["overall"]
    native, mjx = summaries["mujoco"], summaries["mjx"]
    for axis in ("vx", "vy"):
        assert native["tracking"][axis]["achieved"] == pytest.approx(mjx["tracking"][axis]["achieved"], abs=0.02), axis
    assert native["torque_abs_Nm"] == pytest.approx(mjx["torque_abs_Nm"], rel=0.05)


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--perturb", "gain=0.8"],
            "--perturb gain=0.8: gain does not apply to this task (applicable: push, friction, mass)",
        ),
        (["--sweep", "turning=0.5"], "the task has no ang_vel_z command (it has lin_vel_x, lin_vel_y)"),
        (["--fall_tilt", "30"], "--fall_tilt: this task has no tilt termination"),
    ],
)
def test_what_ballu_lacks_is_a_one_line_error(ballu_checkpoint, capsys, args, message):
    assert run_main("--checkpoint", ballu_checkpoint, "--backend", "mujoco", *args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0], err


def test_conventions_of_a_robot_without_a_description_are_a_one_line_error(tmp_path, capsys):
    from legged_mjx.sim2sim.exports.conventions import to_profile
    from legged_mjx.sim2sim.sources import read_conventions
    from legged_mjx.tasks.ballu import BALLU_JOINTS

    profile = to_profile(read_conventions(ENV_YAML)[1])
    profile["joint_names"] = BALLU_JOINTS
    del profile["robot"]
    (tmp_path / "ballu.yaml").write_text(yaml.safe_dump(profile))
    (tmp_path / "policy.pt").write_bytes(b"")
    assert run_main("--policy", str(tmp_path / "policy.pt"), "--config", str(tmp_path / "ballu.yaml")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert (
        len(err) == 1
        and "joints NECK, HIP_LEFT" in err[0]
        and "fit no shipped robot (g1 (29 joints), go2 (12 joints))" in err[0]
    )
    assert "name it with --robot NAME or --robot path/robot.yaml" in err[0]


@needs_fixture
def test_video_without_opengl_stops_before_simulating(tmp_path, capsys, monkeypatch):
    def no_gl(*args, **kwargs):
        raise mujoco.FatalError("an OpenGL platform library has not been loaded into this process")

    monkeypatch.setattr(mujoco, "Renderer", no_gl)
    out = tmp_path / "report"
    assert run_main("--policy", POLICY, "--config", DEPLOY, "--video", "--out", str(out)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--video needs an OpenGL context" in err[0] and "MUJOCO_GL=osmesa" in err[0]
    assert not out.exists()


RENDER = """
import io, sys
import numpy as np
from PIL import Image
from legged_mjx.errors import UserError
from legged_mjx.model import asset_path, load_model
from legged_mjx.sim2sim.video import check_rendering, render_video
model = load_model(asset_path("go2", "scene.xml"))
try:
    check_rendering(model)
except UserError as error:
    print(error); sys.exit(3)
qpos = np.tile(model.qpos0, (8, 2, 1)); qpos[:, :, 2] = 0.3
qpos[:, :, 8] = np.linspace(0.0, 1.0, 8)[:, None]  # FL thigh swings: frames differ
target = io.BytesIO()
frames = render_video(model, qpos, target, dt=0.02, stride=4)
image = Image.open(io.BytesIO(target.getvalue()))
print(frames, image.format, image.n_frames, image.size)
"""


def test_video_renders_where_egl_works():
    env = {**os.environ, "MUJOCO_GL": "egl", "PYTHONPATH": ROOT}
    result = subprocess.run(
        [sys.executable, "-c", RENDER], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if result.returncode == 3:
        assert "--video needs an OpenGL context and MUJOCO_GL=egl gave none" in result.stdout
        pytest.skip("no EGL here: " + result.stdout.strip())
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[:5] == ["2", "WEBP", "2", "(640,", "240)"]
