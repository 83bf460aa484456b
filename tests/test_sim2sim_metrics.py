"""sim2sim bookkeeping: sweep rows, perturbation sets, the batch layout, pushes, metrics and checks."""

from types import SimpleNamespace

import numpy as np
import pytest

from legged_mjx.commands import CommandCfg
from legged_mjx.errors import UserError
from legged_mjx.sim2sim.layout import Layout
from legged_mjx.sim2sim.metrics import Accumulator, summarize
from legged_mjx.sim2sim.perturbations import NOMINAL, STANDARD, PushSchedule, build_perturbations
from legged_mjx.sim2sim.sweep import DEFAULT_SWEEP, build_sweep, default_sweep
from legged_mjx.sim2sim.verdict import Thresholds, parse_thresholds, run_checks, verdict
from legged_mjx.tasks import task_config

RANGES = {"lin_vel_x": [-1.0, 1.0], "lin_vel_y": [-0.4, 0.4], "ang_vel_z": [-1.0, 1.0]}
COMMANDS = CommandCfg(names=list(RANGES), ranges=RANGES)


def command(vx, vy, wz) -> dict:
    return {"vx": vx, "vy": vy, "wz": wz}


def test_default_sweep_rows():
    rows = build_sweep(DEFAULT_SWEEP, COMMANDS, seed=0)
    named = {r.name: r.command for r in rows}
    assert named["forward +0.5"] == command(0.5, 0.0, 0.0) and named["forward +1"] == command(1.0, 0.0, 0.0)
    assert named["backward -0.5"] == command(-0.5, 0.0, 0.0)
    assert named["lateral +0.3"] == command(0.0, 0.3, 0.0) and named["lateral -0.3"] == command(0.0, -0.3, 0.0)
    assert named["turning +0.5"] == command(0.0, 0.0, 0.5) and named["turning -0.5"] == command(0.0, 0.0, -0.5)
    assert named["zero"] == command(0.0, 0.0, 0.0)
    randoms = np.array([list(r.command.values()) for r in rows if r.kind == "random"])
    assert randoms.shape == (4, 3) and all(r.in_range for r in rows)
    assert (np.abs(randoms) <= [1.0, 0.4, 1.0]).all() and np.unique(randoms[:, 0]).size == 4
    again = [list(r.command.values()) for r in build_sweep(DEFAULT_SWEEP, COMMANDS, seed=0) if r.kind == "random"]
    np.testing.assert_array_equal(randoms, again)  # seeded


def test_default_sweep_covers_the_commands_each_task_has():
    assert default_sweep(task_config("go2").command) == DEFAULT_SWEEP == default_sweep(COMMANDS)
    # BALLU: vx in [0.1, 0.4], vy = 0 (ballu-imu: wz = 0 too): forward at the middle and end of vx's range
    for name, axes in (("ballu", ["vx", "vy"]), ("ballu-imu", ["vx", "vy", "wz"])):
        ballu = task_config(name).command
        assert default_sweep(ballu) == ["forward=0.25,0.4", "random=4"], name
        rows = build_sweep(default_sweep(ballu), ballu, seed=0)
        assert [r.name for r in rows] == ["forward +0.25", "forward +0.4", *(f"random {i}" for i in range(4))]
        assert all(list(r.command) == axes and r.in_range for r in rows), name
        assert all(0.1 <= r.command["vx"] <= 0.4 and r.command["vy"] == 0.0 for r in rows)
    # One-sided or shifted ranges: backward needs vx < 0, lateral needs +-vy, zero needs 0 inside.
    shifted = CommandCfg(names=["lin_vel_x", "lin_vel_y"], ranges={"lin_vel_x": [-0.2, 0.6], "lin_vel_y": [0, 0.2]})
    assert default_sweep(shifted) == ["forward=0.5", "backward=0.1,0.2", "zero", "random=4"]


def test_sweep_items_need_the_task_to_have_their_command():
    ballu = task_config("ballu").command
    with pytest.raises(UserError, match="the task has no ang_vel_z command .it has lin_vel_x, lin_vel_y"):
        build_sweep(["turning=0.5"], ballu, seed=0)
    imu = build_sweep(["turning=0.5", "zero"], task_config("ballu-imu").command, seed=0)
    assert [(r.name, r.in_range) for r in imu] == [("turning +0.5", False), ("turning -0.5", False), ("zero", False)]
    with pytest.raises(UserError, match="not a velocity-tracking task"):
        build_sweep(["zero"], CommandCfg(names=["height"], ranges={"height": [0.2, 0.4]}), seed=0)


def test_sweep_flags_rows_outside_training_range_and_rejects_bad_items():
    rows = build_sweep(["forward=0.5,1.5", "lateral=0.6"], COMMANDS, seed=0)
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
            build_sweep(bad, COMMANDS, seed=0)


def test_perturbation_sets_and_layout():
    sets, notes = build_perturbations(["standard", "friction=0.5,mass=1.2"])
    assert sets[0] == NOMINAL and not notes and [p.name for p in sets[1:]] == [*STANDARD, "friction=0.5,mass=1.2"]
    assert (sets[-1].friction, sets[-1].mass, sets[-1].gain, sets[-1].push) == (0.5, 1.2, 1.0, 0.0)
    for bad in ["push=-1", "friction=0", "speed=2", "mass"]:
        with pytest.raises(UserError):
            build_perturbations([bad])
    rows = build_sweep(["forward=0.5", "zero"], COMMANDS, seed=0)
    layout = Layout(rows, build_perturbations(["push=1.0", "gain=0.8"])[0], num_envs=13)
    assert layout.row_of.tolist() == [0, 1] * 6 + [0] and layout.set_of.tolist() == [0, 0, 1, 1, 2, 2] * 2 + [0]
    assert layout.push_speed()[layout.set_of == 1].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert set(layout.scales()["gain"][layout.set_of == 2]) == {np.float32(0.8)}
    assert layout.envs(row=0, pset=1).tolist() == [2, 8]
    with pytest.raises(UserError, match="num_envs 5 < 2 sweep rows x 3 perturbation sets"):
        Layout(rows, layout.perturbations, num_envs=5)


def test_perturbations_that_do_not_apply_are_left_out_of_standard_or_refused():
    no_gain = ("push", "friction", "mass")
    sets, notes = build_perturbations(["standard", "mass=0.9"], no_gain)
    assert [p.name for p in sets] == ["nominal", "push=0.5", "push=1.0", "friction=0.5", "mass=1.2", "mass=0.9"]
    assert notes == ["--perturb standard: gain=0.8 left out (gain does not apply to this task)"]
    assert build_perturbations(["gain=1.0,push=1"], no_gain)[0][1].push == 1.0  # gain at nominal changes nothing
    with pytest.raises(UserError, match=r"push=1,gain=0.8: gain does not apply to this task .applicable: push, fr"):
        build_perturbations(["push=1,gain=0.8"], no_gain)


def test_task_commands_fill_extra_slots_with_the_middle_of_their_range():
    rows = build_sweep(["forward=0.5"], COMMANDS, seed=0)
    command = CommandCfg(
        names=["lin_vel_x", "lin_vel_y", "ang_vel_z", "height", "jump"],
        ranges={**RANGES, "height": [0.2, 0.4], "jump": [0.0, 0.0]},
    )
    np.testing.assert_allclose(Layout(rows, [NOMINAL], 2).task_commands(command), [[0.5, 0, 0, 0.3, 0]] * 2, rtol=1e-6)
    ballu = task_config("ballu").command  # lin_vel_x, lin_vel_y only
    layout = Layout(build_sweep(["forward=0.3", "zero"], ballu, seed=0), [NOMINAL], 2)
    assert layout.axes == ["vx", "vy"] and layout.velocity_commands().shape == (2, 2)
    np.testing.assert_allclose(layout.task_commands(ballu), [[0.3, 0.0], [0.0, 0.0]], rtol=1e-6)


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
    acc = Accumulator(["vx", "vy", "wz"], commands, dt=0.5, settle_s=1.0, num_joints=12, slip=True)
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
    assert s["foot_slip_mps"] is None  # no foot in contact in these records


def test_metrics_of_a_task_with_two_axes_and_no_foot_slip():
    """BALLU-like: vx and vy commanded, 7 joints, no foot velocity sensors."""
    acc = Accumulator(["vx", "vy"], np.array([[0.2, 0.0], [0.4, 0.0]]), dt=0.5, settle_s=0.0, num_joints=7, slip=False)
    acc.add(record(2, [0.1, 0.3], vy=np.array([0.1, -0.1]), limit_hits=np.array([0.0, 7.0])))
    s = summarize(acc, np.array([0, 1]))
    assert list(s["tracking"]) == ["vx", "vy"] and "foot_slip_mps" not in s
    assert s["tracking"]["vy"]["rmse"] == pytest.approx(0.1) and s["tracking"]["vx"]["rmse"] == pytest.approx(0.1)
    assert s["joint_limit_hit_rate"] == pytest.approx(7 / (2 * 7))


def test_checks_fail_on_falls_poor_tracking_and_missing_samples():
    rows = build_sweep(["forward=0.5", "turning=0.5"], COMMANDS, seed=0)
    layout = Layout(rows, build_perturbations(["push=1.0"])[0], num_envs=6)

    def summary(fall_rate, ratio, rmse):
        axis = {"commanded": None, "achieved": 0.0, "rmse": rmse, "ratio": ratio}
        return {
            "fall_rate": fall_rate,
            "samples": 0 if rmse is None else 50,
            "tracking": {"vx": axis, "vy": axis, "wz": axis},
        }

    good = summary(0.0, 0.9, 0.1)
    evaluation = SimpleNamespace(
        settings=SimpleNamespace(settle_s=2.0),
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
    checks = run_checks(evaluation, Thresholds())
    failed = verdict(checks)["failed"]
    assert {c.get("why") for c in checks if c["value"] is None} == {
        "no samples: every environment fell before the settle time (2 s)"
    }
    assert failed == [
        "fall rate (nominal)",
        "wz ratio, turning +0.5",
        "vx RMSE (nominal)",
        "vy RMSE (nominal)",
        "wz RMSE (nominal)",
    ]
    ballu = Layout(build_sweep(["forward=0.3"], task_config("ballu").command, seed=0), [NOMINAL], num_envs=1)
    only_xy = SimpleNamespace(layout=ballu, overall=good, sets=[good], cells=[{"row": 0, "set": 0, "summary": good}])
    names = [c["name"] for c in run_checks(only_xy, Thresholds())]
    assert names == ["fall rate (nominal)", "vx ratio, forward +0.3", "vx RMSE (nominal)", "vy RMSE (nominal)"]
    assert parse_thresholds(["max_fall_rate=0.2"]).max_fall_rate == 0.2
    with pytest.raises(UserError, match="known: max_fall_rate"):
        parse_thresholds(["fall=1"])
