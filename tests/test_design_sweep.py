"""scripts/design_sweep.py and legged_mjx/design_sweep.py: one policy over a grid of BALLU designs."""

import json
import os

import numpy as np
import pytest
import torch

from legged_mjx import design_sweep
from legged_mjx.config import to_dict
from legged_mjx.run_folders import save_run_configs
from legged_mjx.policies import Policy
from legged_mjx.tasks import ballu_morphology as morphology
from legged_mjx.tasks import make_task, task_config, train_config
from scripts import design_sweep as script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_grid_and_config():
    designs = design_sweep.grid_designs([0.35, 0.5], [0.3], [0.005], [0.8, 0.84])
    assert [d["name"] for d in designs] == [
        "f0.350_t0.300_k0.005_gcr0.8",
        "f0.350_t0.300_k0.005_gcr0.84",
        "f0.500_t0.300_k0.005_gcr0.8",
        "f0.500_t0.300_k0.005_gcr0.84",
    ]
    named = design_sweep.grid_designs([], [], [0.01], [0.9], names=["fl_0.40"])
    fl_40 = morphology.NAMED_DESIGNS["fl_0.40"]
    lengths = {"femur_length": fl_40.femur_length, "tibia_length": fl_40.tibia_length}
    assert named == [{"name": "fl_0.40_k0.01_gcr0.9", **lengths, "spcf": 0.01, "GCR": 0.9}]
    assert make_task("ballu", designs=named).designs[0].femur_length == pytest.approx(0.4 * 0.74501)
    settings = design_sweep.SweepSettings(vx=0.3, duration_s=5.0)
    cfg = design_sweep.sweep_config(
        task_config("ballu-morph", {"domain_rand.push_interval_s": [1, 2]}), designs, settings
    )
    assert cfg.env.designs == designs and cfg.env.design_order == "cycle" and cfg.env.episode_length_s == 6.0
    assert cfg.command.table == [[0.3, 0.0]] and cfg.domain_rand.push_interval_s is None


def test_falls_speed_and_mass_per_design():
    """Zero actions, two designs side by side, drag 0.4: with GCR 0.84 BALLU lands and stays up (no
    falls; it settles, drifting < 0.1 m/s 1.5-3 s after the drop, while walking policies reach 0.1-0.3);
    with almost no buoyancy (GCR 0.02) it collapses and its balloon lies down: every environment of
    that design falls."""
    designs = [{"name": "floats", "GCR": 0.84, "spcf": 0.005}, {"name": "long_legs_0.9m", "GCR": 0.02, "spcf": 0.005}]
    settings = design_sweep.SweepSettings(envs_per_design=2, duration_s=3.0)
    task = make_task("ballu", design_sweep.sweep_config(task_config("ballu", {"drag": 0.4}), designs, settings))
    zeros = Policy(lambda obs: torch.zeros(obs.shape[0], 2), 16, 2, "test", "zeros", "0" * 64)
    rows = design_sweep.run_sweep(task, zeros, settings, progress=False)
    assert [(r["design"], r["envs"], r["falls"]) for r in rows] == [("floats", 2, 0), ("long_legs_0.9m", 2, 2)]
    assert abs(rows[0]["speed"]) < 0.1 and np.isnan(rows[1]["speed"]) and np.isnan(rows[1]["cost_of_transport"])
    assert rows[0]["total_mass"] == pytest.approx(0.28679, rel=1e-6) and rows[1]["total_mass"] > 0.29
    assert "| floats | 0.365 | 0.320 | 0.005 | 0.84 | 0.2868 |" in design_sweep.markdown(rows, settings)


def fake_run(folder, task: str, obs_dim: int) -> str:
    """A run folder with cfgs.pkl and an exported TorchScript policy (a small fixed MLP)."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(obs_dim, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    os.makedirs(folder / "exported")
    torch.jit.script(net).save(str(folder / "exported" / "policy.pt"))
    save_run_configs(str(folder), {"task": task, **to_dict(task_config(task)), "train": train_config(task)})
    return str(folder / "exported" / "policy.pt")


def test_script_writes_table_json_and_plot_for_a_morphology_aware_policy(tmp_path):
    checkpoint = fake_run(tmp_path / "run", "ballu-morph-policy", 20)  # 16 + the 4-D morphology vector
    out = tmp_path / "sweep"
    script.main(
        [
            "--checkpoint",
            checkpoint,
            "--femur_length",
            "0.35",
            "0.5",
            "2",
            "--tibia_length",
            "0.3",
            "0.3",
            "1",
            "--envs_per_design",
            "1",
            "--duration",
            "0.5",
            "--out",
            str(out),
        ]
    )
    rows = json.loads((out / "design_sweep.json").read_text())["rows"]
    assert [(r["femur_length"], r["tibia_length"], r["spcf"], r["GCR"]) for r in rows] == [
        (0.35, 0.3, 0.005, 0.84),
        (0.5, 0.3, 0.005, 0.84),
    ]
    assert (out / "design_sweep.md").read_text().count("\n| f0.") == 2
    assert (out / "design_sweep.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--femur_length", "0.5", "0.3", "2"], "--femur_length needs LO HI N"),
        (["--fall_tilt", "200"], "--fall_tilt in (0, 180] deg"),
        (["--designs", "tall"], "unknown BALLU design 'tall'"),
        (["--GCR", "0"], "--GCR > 0"),
    ],
)
def test_bad_input_is_one_line_error(tmp_path, capsys, args, message):
    checkpoint = fake_run(tmp_path / "run", "ballu", 16)
    with pytest.raises(SystemExit) as exit_info:
        script.main(["--checkpoint", checkpoint, *args])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ") and message in error and "\n" not in error


def test_a_go2_policy_is_refused(tmp_path, capsys):
    checkpoint = fake_run(tmp_path / "run", "go2", 50)
    with pytest.raises(SystemExit):
        script.main(["--checkpoint", checkpoint])
    assert "the design sweep is for BALLU tasks" in capsys.readouterr().err
