"""sim2sim with the real Isaac Lab fixture policy: it walks for 20 s in MJX and tracks forward
commands, both backends agree (perturbations included), and wrong conventions fail the report.

Every MJX evaluation here uses the fixture's conventions with 16 environments, so they share one
compiled program (the slow part on a CPU)."""

import dataclasses
import os

import numpy as np
import pytest

from legged_mjx.joint_orders import go2_joint_names
from legged_mjx.sim2sim.exports.conventions import to_profile
from legged_mjx.sim2sim.eval_task import applicable_keys
from legged_mjx.sim2sim.evaluate import build_task, evaluate
from legged_mjx.sim2sim.export_task import export_task_cfg as to_task_cfg
from legged_mjx.sim2sim.settings import EvalSettings
from legged_mjx.tasks.joint_position import JointPositionTask as TASK
from legged_mjx.sim2sim.perturbations import build_perturbations
from legged_mjx.sim2sim.sources import Source, from_policy_file
from legged_mjx.sim2sim.sweep import build_sweep
from legged_mjx.sim2sim.verdict import Thresholds, run_checks, verdict
from shared_fixtures import fixture_dir

FIXTURE = fixture_dir("isaac_go2_velocity")
pytestmark = pytest.mark.skipif(not os.path.isdir(FIXTURE), reason="shared fixtures not present")
NUM_ENVS = 16
IN_RANGE_SWEEP = ["forward=0.5,1.0", "backward=0.5", "lateral=0.3", "turning=0.5", "zero"]


@pytest.fixture(scope="module")
def fixture_source():
    return from_policy_file(os.path.join(FIXTURE, "policy.pt"), os.path.join(FIXTURE, "deploy.yaml"))


def run(source, sweep, perturb=(), **settings):
    settings = EvalSettings(**settings)
    task = build_task(source, settings)
    perturbations, notes = build_perturbations(list(perturb), applicable_keys(task))
    assert not notes
    evaluation = evaluate(task, source.policy, build_sweep(sweep, task.cfg.command, seed=0), perturbations, settings)
    return evaluation, run_checks(evaluation, Thresholds())


def nominal_cells(evaluation) -> dict:
    return {evaluation.layout.rows[c["row"]].name: c["summary"] for c in evaluation.cells if c["set"] == 0}


def test_fixture_walks_20_s_in_mjx_without_falls_and_tracks_forward_speed(fixture_source):
    evaluation, checks = run(fixture_source, IN_RANGE_SWEEP, num_envs=NUM_ENVS, duration_s=20.0, settle_s=2.0)
    cells = nominal_cells(evaluation)
    assert len(cells) == 8 and all(c["envs"] == 2 for c in cells.values())
    for name, cell in cells.items():
        assert cell["fall_rate"] == 0.0 and cell["survival"] == 1.0, name
    for name, commanded in (("forward +0.5", 0.5), ("forward +1", 1.0)):
        achieved = cells[name]["tracking"]["vx"]["achieved"]
        assert abs(achieved / commanded - 1.0) <= 0.25, (name, achieved)
    assert verdict(checks)["passed"], [c for c in checks if not c["passed"]]


def test_mjx_and_native_mujoco_agree_with_perturbations(fixture_source):
    sweep, perturb = ["forward=0.5", "turning=0.5"], ["push=1.0", "friction=0.5", "mass=1.3", "gain=0.7"]
    common = dict(num_envs=NUM_ENVS, duration_s=1.5, settle_s=0.5, push_interval_s=0.5)
    mjx_run, _ = run(fixture_source, sweep, perturb, backend="mjx", **common)
    native_run, _ = run(fixture_source, sweep, perturb, backend="mujoco", **common)
    nominal = {c["row"]: c["summary"] for c in mjx_run.cells if c["set"] == 0}
    for ours, theirs in zip(native_run.cells, mjx_run.cells):
        a, b = ours["summary"], theirs["summary"]
        for axis in ("vx", "vy", "wz"):
            assert a["tracking"][axis]["achieved"] == pytest.approx(b["tracking"][axis]["achieved"], abs=0.03), (
                ours,
                axis,
            )
        assert a["torque_abs_Nm"] == pytest.approx(b["torque_abs_Nm"], rel=0.05)
        assert a["fall_rate"] == b["fall_rate"] == 0.0
        if theirs["set"] > 0:  # every perturbation changes what happens
            reference = nominal[theirs["row"]]
            changed = [
                abs(b[k] - reference[k]) / reference[k] > 0.02 for k in ("torque_abs_Nm", "power_W", "foot_slip_mps")
            ]
            assert any(changed), mjx_run.layout.perturbations[theirs["set"]].name


@pytest.mark.parametrize("mistake", ["swapped joint order", "missing angular-velocity scale"])
def test_wrong_conventions_fail_the_report(fixture_source, mistake):
    from legged_mjx.sim2sim.sources import read_conventions

    conv = read_conventions(os.path.join(FIXTURE, "deploy.yaml"))[1]
    if mistake == "swapped joint order":  # the policy's Isaac order read as the MJCF's
        conv = dataclasses.replace(conv, joint_names=go2_joint_names("mjcf"))
    else:
        conv = dataclasses.replace(
            conv,
            observations=[
                dataclasses.replace(t, scale=1.0) if t.name == "base_ang_vel" else t for t in conv.observations
            ],
        )
    wrong = Source(
        fixture_source.policy, "go2 export", TASK, to_task_cfg(conv), "profile", "wrong.yaml", to_profile(conv)
    )
    evaluation, checks = run(
        wrong, ["forward=0.5", "turning=0.5"], num_envs=3, duration_s=4.0, settle_s=1.0, backend="mujoco"
    )
    failed = verdict(checks)["failed"]
    assert failed
    if mistake == "swapped joint order":
        assert evaluation.overall["fall_rate"] == 1.0 and "fall rate (nominal)" in failed
    else:
        assert "wz RMSE (nominal)" in failed or any(name.startswith("wz ratio") for name in failed)
    np.testing.assert_array_equal(evaluation.layout.row_of, [0, 1, 2])
