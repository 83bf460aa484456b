"""sim2sim bookkeeping: sweep rows, perturbation sets, the batch layout, pushes, metrics and checks."""

from types import SimpleNamespace

import numpy as np
import pytest

from legged_mjx.commands import CommandCfg
from legged_mjx.errors import UserError
from legged_mjx.sim2sim.layout import Layout
from legged_mjx.sim2sim.metrics import Accumulator, summarize
from legged_mjx.sim2sim.perturbations import NOMINAL, STANDARD, PushSchedule, build_perturbations
from legged_mjx.sim2sim.sweep import DEFAULT_SWEEP, build_sweep
from legged_mjx.sim2sim.verdict import Thresholds, parse_thresholds, run_checks, verdict

RANGES = {"lin_vel_x": [-1.0, 1.0], "lin_vel_y": [-0.4, 0.4], "ang_vel_z": [-1.0, 1.0]}


def test_default_sweep_rows():
    rows = build_sweep(DEFAULT_SWEEP, RANGES, seed=0)
    named = {r.name: r.command for r in rows}
    assert named["forward +0.5"] == (0.5, 0.0, 0.0) and named["forward +1"] == (1.0, 0.0, 0.0)
    assert named["backward -0.5"] == (-0.5, 0.0, 0.0)
    assert named["lateral +0.3"] == (0.0, 0.3, 0.0) and named["lateral -0.3"] == (0.0, -0.3, 0.0)
    assert named["turning +0.5"] == (0.0, 0.0, 0.5) and named["turning -0.5"] == (0.0, 0.0, -0.5)
    assert named["zero"] == (0.0, 0.0, 0.0)
    randoms = np.array([r.command for r in rows if r.kind == "random"])
    assert randoms.shape == (4, 3) and all(r.in_range for r in rows)
    assert (np.abs(randoms) <= [1.0, 0.4, 1.0]).all() and np.unique(randoms[:, 0]).size == 4
    again = [r.command for r in build_sweep(DEFAULT_SWEEP, RANGES, seed=0) if r.kind == "random"]
    np.testing.assert_array_equal(randoms, again)  # seeded


def test_sweep_flags_rows_outside_training_range_and_rejects_bad_items():
    rows = build_sweep(["forward=0.5,1.5", "lateral=0.6"], RANGES, seed=0)
    assert [(r.name, r.in_range) for r in rows] == [
        ("forward +0.5", True),
        ("forward +1.5", False),
        ("lateral +0.6", False),
        ("lateral -0.6", False),
    ]
    for bad, message in [
        (["sideways=1"], "unknown item"),
        (["forward=-1"], "positive"),
        (["random=x"], "positive count"),
        (["zero", "zero"], "duplicate"),
    ]:
        with pytest.raises(UserError, match=message):
            build_sweep(bad, RANGES, seed=0)
    with pytest.raises(UserError, match="no training range for ang_vel_z"):
        build_sweep(["zero"], {"lin_vel_x": [0, 1], "lin_vel_y": [0, 1]}, seed=0)


def test_perturbation_sets_and_layout():
    sets = build_perturbations(["standard", "friction=0.5,mass=1.2"])
    assert sets[0] == NOMINAL and [p.name for p in sets[1:]] == [*STANDARD, "friction=0.5,mass=1.2"]
    assert (sets[-1].friction, sets[-1].mass, sets[-1].gain, sets[-1].push) == (0.5, 1.2, 1.0, 0.0)
    for bad in ["push=-1", "friction=0", "speed=2", "mass"]:
        with pytest.raises(UserError):
            build_perturbations([bad])
    rows = build_sweep(["forward=0.5", "zero"], RANGES, seed=0)
    layout = Layout(rows, build_perturbations(["push=1.0", "gain=0.8"]), num_envs=13)
    assert layout.row_of.tolist() == [0, 1] * 6 + [0] and layout.set_of.tolist() == [0, 0, 1, 1, 2, 2] * 2 + [0]
    assert layout.push_speed()[layout.set_of == 1].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert set(layout.scales()["gain"][layout.set_of == 2]) == {np.float32(0.8)}
    assert layout.envs(row=0, pset=1).tolist() == [2, 8]
    with pytest.raises(UserError, match="num_envs 5 < 2 sweep rows x 3 perturbation sets"):
        Layout(rows, layout.perturbations, num_envs=5)


def test_task_commands_fill_extra_slots_with_the_middle_of_their_range():
    rows = build_sweep(["forward=0.5"], RANGES, seed=0)
    command = CommandCfg(
        names=["lin_vel_x", "lin_vel_y", "ang_vel_z", "height", "jump"],
        ranges={**RANGES, "height": [0.2, 0.4], "jump": [0.0, 0.0]},
    )
    np.testing.assert_allclose(Layout(rows, [NOMINAL], 2).task_commands(command), [[0.5, 0, 0, 0.3, 0]] * 2, rtol=1e-6)


def test_push_schedule():
    pushes = PushSchedule(np.array([0.0, 1.0, 2.0]), interval_s=0.1, dt=0.02, seed=3)
    assert not pushes.at(0).any() and not pushes.at(4).any()
    push = pushes.at(5)
    np.testing.assert_allclose(np.linalg.norm(push, axis=1), [0.0, 1.0, 2.0], rtol=1e-6)
    assert (push[:, 2] == 0).all() and not np.allclose(push[1] / 1.0, pushes.at(10)[1])
    np.testing.assert_array_equal(push, PushSchedule(np.array([0.0, 1.0, 2.0]), 0.1, 0.02, seed=3).at(5))


def record(n, vx, fell=None, **extra):
    base = {
        k: np.zeros(n)
        for k in ("vy", "wz", "torque_abs", "torque_peak", "power", "slip", "contacts", "action_rate", "limit_hits")
    }
    return {
        **base,
        "vx": np.asarray(vx, float),
        "fell": np.zeros(n, bool) if fell is None else np.asarray(fell),
        **extra,
    }


def test_metrics_count_after_settling_and_until_the_first_fall():
    commands = np.array([[1.0, 0, 0], [1.0, 0, 0], [0.5, 0, 0]])
    acc = Accumulator(commands, dt=0.5, settle_s=1.0, num_joints=12)
    acc.add(record(3, [9.0, 9.0, 9.0]))  # t = 0.5 s: before settling, ignored
    acc.add(record(3, [0.8, 1.2, 0.5]))  # t = 1.0 s: still settling
    acc.add(record(3, [0.8, 1.0, 0.5], fell=[False, True, False]))  # env 1 falls at 1.5 s: its sample is dropped
    acc.add(record(3, [1.0, 1.0, 0.4], power=np.array([10.0, 99.0, 20.0])))
    s = summarize(acc, np.array([0, 1]))
    assert s["fall_rate"] == 0.5 and s["time_to_fall_s"] == {"mean": 1.5, "min": 1.5}
    assert s["survival"] == pytest.approx((1.0 + 1.5 / 2.0) / 2)
    assert s["samples"] == 2 and s["tracking"]["vx"]["achieved"] == pytest.approx(0.9)
    assert s["tracking"]["vx"]["rmse"] == pytest.approx(np.sqrt((0.2**2 + 0.0) / 2))
    assert s["tracking"]["vx"]["commanded"] == 1.0 and s["tracking"]["vx"]["ratio"] == pytest.approx(0.9)
    assert s["tracking"]["vy"]["ratio"] is None  # nothing commanded on vy
    assert s["power_W"] == pytest.approx(5.0)  # env 0's samples: 0 W and 10 W; env 1 had fallen, its 99 W do not count
    both = summarize(acc, np.array([0, 2]))
    assert both["tracking"]["vx"]["commanded"] is None
    # least-squares gain over environments: (1 * 0.9 + 0.5 * 0.45) / (1 + 0.25)
    assert both["tracking"]["vx"]["ratio"] == pytest.approx((0.9 + 0.5 * 0.45) / 1.25)


def test_checks_fail_on_falls_poor_tracking_and_missing_samples():
    rows = build_sweep(["forward=0.5", "turning=0.5"], RANGES, seed=0)
    layout = Layout(rows, build_perturbations(["push=1.0"]), num_envs=6)

    def summary(fall_rate, ratio, rmse):
        axis = {"commanded": None, "achieved": 0.0, "rmse": rmse, "ratio": ratio}
        return {"fall_rate": fall_rate, "tracking": {"vx": axis, "vy": axis, "wz": axis}}

    good = summary(0.0, 0.9, 0.1)
    evaluation = SimpleNamespace(
        layout=layout,
        overall=good,
        sets=[good, summary(0.1, 0.9, 0.1)],
        cells=[{"row": r, "set": s, "summary": good} for s in range(2) for r in range(3)],
    )
    checks = run_checks(evaluation, Thresholds())
    assert verdict(checks) == {"passed": True, "failed": []}
    assert [c["name"] for c in checks] == [
        "fall rate (nominal)",
        "vx ratio, forward +0.5",
        "wz ratio, turning +0.5",
        "wz ratio, turning -0.5",
        "vx RMSE (nominal)",
        "vy RMSE (nominal)",
        "wz RMSE (nominal)",
        "fall rate (push=1.0)",
    ]
    evaluation.cells[1] = {"row": 1, "set": 0, "summary": summary(0.0, 0.2, 0.1)}  # turning +0.5 tracks 20%
    evaluation.overall = summary(0.5, None, None)  # half fell, nobody lasted past the settle time
    failed = verdict(run_checks(evaluation, Thresholds()))["failed"]
    assert failed == [
        "fall rate (nominal)",
        "wz ratio, turning +0.5",
        "vx RMSE (nominal)",
        "vy RMSE (nominal)",
        "wz RMSE (nominal)",
    ]
    assert parse_thresholds(["max_fall_rate=0.2"]).max_fall_rate == 0.2
    with pytest.raises(UserError, match="known: max_fall_rate"):
        parse_thresholds(["fall=1"])
