"""Other people's models of a robot (written here from our figures, as MuJoCo Menagerie's and users'
Go2 models are laid out): exports run on them with sim2sim --xml-path, and training takes them
(make_env(..., xml_path=), train_ppo.py --xml-path)."""

import glob
import json
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from legged_mjx import make_env
from legged_mjx.errors import UserError
from legged_mjx.sim2sim.sources import from_policy_file
from tests.helpers import run_sim2sim
from shared_fixtures import fixture_dir
from tests.model_variants import go2_variant

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = fixture_dir("isaac_go2_velocity")
needs_fixture = pytest.mark.skipif(not os.path.isdir(FIXTURE), reason="shared fixtures not present")
POLICY, DEPLOY = os.path.join(FIXTURE, "policy.pt"), os.path.join(FIXTURE, "deploy.yaml")
MENAGERIE_LEGS = ("FL", "FR", "RL", "RR")  # Menagerie's body order; its actuators are listed FR, FL, RR, RL


@needs_fixture
def test_go2_export_runs_on_another_go2_mjcf_with_its_joint_order_and_passive_damping(tmp_path):
    """Joints in another order (legs FR, RL, FL, RR), joint damping 0.3 and friction loss 0.05, none
    of our sensors, actuators in another order: the policy's joints are found by name, so it walks
    (a wrong mapping falls in 0.3 s); the report lists the refit and the passive properties."""
    scene = go2_variant(tmp_path, legs=("FR", "RL", "FL", "RR"), damping=0.3, frictionloss=0.05)
    out = tmp_path / "report"
    code = run_sim2sim(
        *("--policy", POLICY, "--config", DEPLOY, "--xml-path", scene, "--backend", "mujoco"),
        *("--num_envs", 4, "--duration", 4, "--settle", 1.5, "--sweep", "forward=0.5", "zero", "--out", out),
    )
    report = json.loads((out / "report.json").read_text())
    assert report["model"]["xml_path"] == scene
    assert report["model"]["passive"]["damping"] == {name: 0.3 for name in report["conventions"]["joint_names"]}
    assert set(report["model"]["passive"]["frictionloss"].values()) == {0.05}
    notes = report["notes"]
    assert any(
        n.startswith("actuators replaced (MjSpec): the model had 12 motors") and "another order" in n for n in notes
    )
    assert any(n.startswith("foot contact sensors added (MjSpec): FL_foot_contact (FL_foot)") for n in notes)
    assert "model adds joint damping (N m s/rad): 0.3 on 12" in notes
    assert "model adds joint frictionloss (N m): 0.05 on 12" in notes
    assert report["overall"]["fall_rate"] == 0.0
    forward = next(r for r in report["rows"] if r["row"] == "forward +0.5")
    assert abs(forward["tracking"]["vx"]["ratio"] - 1.0) <= 0.25 and code == 0
    summary = (out / "summary.md").read_text()
    assert f"- model: `{scene}`, physics step 0.005 s x 4" in summary and "0.3 on 12" in summary


@needs_fixture
def test_a_timestep_that_does_not_divide_the_policy_step_is_one_line_naming_both(tmp_path, capsys):
    scene = go2_variant(tmp_path, timestep=0.006)
    assert run_sim2sim("--policy", POLICY, "--config", DEPLOY, "--xml-path", scene) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "physics timestep 0.006 s does not divide the policy step 0.02 s" in err[0], err
    assert "--sim_dt" in err[0]
    source = from_policy_file(POLICY, DEPLOY, sim_dt=0.005, xml_path=scene)  # --sim_dt overrides the model's
    assert (source.task_cfg.env.sim_dt, source.task_cfg.env.decimation) == (0.005, 4)


@needs_fixture
def test_the_models_own_timestep_is_the_physics_step(tmp_path):
    scene = go2_variant(tmp_path, timestep=0.002)
    source = from_policy_file(POLICY, DEPLOY, xml_path=scene)
    assert (source.task_cfg.env.sim_dt, source.task_cfg.env.decimation) == (0.002, 10)
    assert any("physics step 0.002 s x 10 from the model" in note for note in source.notes)
    with pytest.raises(UserError, match="--sim_dt 0.003 s does not divide the policy step 0.02 s"):
        from_policy_file(
            POLICY, os.path.join(ROOT, "tests", "fixtures", "sim2sim", "isaac_go2_flat_env.yaml"), sim_dt=0.003
        )


def test_make_env_trains_on_a_menagerie_style_go2(tmp_path):
    """Elliptic cones (impratio 100), joint damping 2 and friction loss 0.2, condim-6 feet named FL..RR,
    every geom colliding, a mesh, an unnamed free joint, actuators FR, FL, RR, RL, none of our
    sensors: the task fits it (motors in joint order, foot sensors added) and steps; the feet it
    found carry the robot."""
    scene = go2_variant(tmp_path, legs=MENAGERIE_LEGS, damping=2.0, frictionloss=0.2, menagerie=True)
    env = make_env("go2", num_envs=2, device="cpu", seed=0, xml_path=scene)
    task = env.task
    assert any("listed in another order than the joints" in n for n in task.model_notes)
    assert any(n.startswith("foot contact sensors added (MjSpec): FL_foot_contact (FL)") for n in task.model_notes)
    assert any(n.startswith("foot velocity sensors added (MjSpec): FL_foot_vel (FL)") for n in task.model_notes)
    for _ in range(25):
        obs, reward, done, extras = env.step(torch.zeros(2, 12))
        assert np.isfinite(obs["policy"].numpy()).all()
    critic = obs["critic"].numpy()
    contacts = critic[:, -10:-6]  # critic: ..., base_height, 4 foot contacts, body velocities
    assert (contacts == 1.0).all(), critic[:, -10:]


def test_train_ppo_takes_a_menagerie_style_go2(tmp_path):
    scene = go2_variant(tmp_path, legs=MENAGERIE_LEGS, damping=2.0, frictionloss=0.2, menagerie=True)
    logs = tmp_path / "logs"
    command = [sys.executable, os.path.join(ROOT, "train_ppo.py"), "--device", "cpu", "--num_envs", "4"]
    command += ["--max_iterations", "1", "--log_root", str(logs), "--exp_name", "menagerie", "--xml-path", scene]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    (run,) = glob.glob(str(logs / "menagerie" / "*"))
    with open(os.path.join(run, "cfgs.pkl"), "rb") as handle:
        assert pickle.load(handle)["env"]["xml_path"] == scene
    assert os.path.exists(os.path.join(run, "model_0.pt"))


TOY_DEPLOY = """\
joint_ids_map: [1, 0]
step_dt: 0.02
stiffness: [20.0, 30.0]
damping: 0.5
default_joint_pos: [0.1, -0.1]
commands: {base_velocity: {ranges: {lin_vel_x: [-0.5, 0.5], lin_vel_y: [0.0, 0.0], ang_vel_z: [0.0, 0.0]}}}
actions:
  JointPositionAction: {clip: null, joint_names: [.*], scale: 0.25, offset: [0.1, -0.1], joint_ids: null}
observations:
  projected_gravity: {params: {}, clip: null, scale: 1.0, history_length: 1}
  joint_pos_rel: {params: {}, clip: null, scale: 1.0, history_length: 1}
"""


def test_an_export_for_a_robot_of_your_own_runs_with_robot_yaml_and_no_python(tmp_path, capsys):
    """A toy robot: its MJCF and robot.yaml (tests/model_variants.py), a deploy.yaml of two joints
    (policy order a, b: SDK motors 1, 0) and a silent policy: --robot path runs it end to end."""
    from tests.model_variants import toy_robot

    robot, _ = toy_robot(tmp_path)
    (tmp_path / "deploy.yaml").write_text(TOY_DEPLOY)
    silent = torch.nn.Linear(3 + 2, 2)
    torch.nn.init.zeros_(silent.weight)
    torch.nn.init.zeros_(silent.bias)
    torch.jit.script(silent).save(str(tmp_path / "policy.pt"))
    args = ["--policy", tmp_path / "policy.pt", "--config", tmp_path / "deploy.yaml", "--backend", "mujoco"]
    assert run_sim2sim(*args) == 2  # 2 joints: no shipped robot has them
    assert "2 joints fit no shipped robot" in capsys.readouterr().err
    out = tmp_path / "report"
    args += ["--robot", robot, "--num_envs", 2, "--duration", 1, "--settle", 0.5, "--sweep", "zero", "--out", out]
    assert run_sim2sim(*args) in (0, 1)
    report = json.loads((out / "report.json").read_text())
    assert report["task"] == "toy export" and report["conventions"]["robot"] == robot
    assert report["conventions"]["joint_names"] == ["a_joint", "b_joint"]  # SDK motors 1 (a), 0 (b)
    assert report["conventions"]["actuator"]["kp"] == [30.0, 20.0]  # stiffness by motor: b 20, a 30
    assert report["settings"]["fall_height"] is None and report["model"]["xml_path"].endswith("toy.xml")


def test_a_checkpoint_runs_on_another_mjcf_of_its_robot(tiny_run, tmp_path):
    scene = go2_variant(tmp_path, legs=MENAGERIE_LEGS, damping=2.0, frictionloss=0.2, menagerie=True)
    out = tmp_path / "report"
    args = ["--checkpoint", tiny_run / "model_1.pt", "--xml-path", scene, "--backend", "mujoco", "--num_envs", 2]
    assert run_sim2sim(*args, "--duration", 1, "--settle", 0.5, "--sweep", "zero", "--out", out) in (0, 1)
    report = json.loads((out / "report.json").read_text())
    assert report["task"] == "go2" and report["model"]["xml_path"] == scene
    assert "model adds joint damping (N m s/rad): 2 on 12" in report["notes"]
