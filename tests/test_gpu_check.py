"""benchmarks/gpu_check.py: the step log, and the whole check end to end on the CPU (--small)."""

import json
import os
import subprocess
import sys
import time


import pytest

from benchmarks import gpu_check
from legged_mjx.checklog import CheckLog, StepFailed, run_command

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEPS = ["versions", "cuda tests", "mjx cpu vs device", "host wait", "train", "curve", "sim2sim", "bench_env mjx",
         "bench_train", "bench_env warp"]  # fmt: skip
GPU_ONLY = ("cuda tests", "host wait")


def test_a_failing_step_is_recorded_and_the_next_still_runs(tmp_path):
    log = CheckLog(str(tmp_path), "check", {"device": "cpu"})
    assert log.run("first", lambda: ({"x": 1}, "out 1", ["cmd"])) == {"x": 1}

    def broken():
        raise StepFailed("exit status 3")

    assert log.run("second", broken) is None
    log.run("third", lambda: ({}, "", None))
    log.skip("fourth", "no input")
    assert log.failed == ["second"]
    report = json.loads((tmp_path / "report.json").read_text())
    assert [(s["name"], s["status"]) for s in report["steps"]] == [
        ("first", "ok"), ("second", "failed"), ("third", "ok"), ("fourth", "skipped")
    ]  # fmt: skip
    assert report["steps"][1]["error"] == "StepFailed: exit status 3" and report["device"] == "cpu"
    markdown = (tmp_path / "report.md").read_text()
    assert markdown.startswith("# check: FAILED: second\n") and "- x: 1" in markdown and "out 1" in markdown
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".tmp-")]  # atomic writes left no temporaries


def test_run_command_interrupts_at_its_time_limit():
    start = time.monotonic()
    status, output, stopped = run_command(
        # like train_ppo.py, the child takes Ctrl-C even when started from a job that ignores SIGINT
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGINT, signal.default_int_handler);"
            " print('hi', flush=True); time.sleep(60)",
        ],
        1.0,
        echo=False,
    )
    assert stopped and status != 0 and output.startswith("hi")
    assert time.monotonic() - start < 30


def test_a_missing_gpu_is_a_one_line_error(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            os.path.join(ROOT, "benchmarks", "gpu_check.py"),
            "--device",
            "cuda:7",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and result.stderr.startswith("error: device 'cuda:7' requested")
    assert result.stderr.count("\n") == 1 and not os.listdir(tmp_path)


# about 90-120 s on the shared 2-core VM with a warm compile cache (every step is a subprocess that compiles)
def test_gpu_check_small_on_the_cpu_writes_the_whole_report(tmp_path):
    out = tmp_path / "report"
    command = [sys.executable, os.path.join(ROOT, "benchmarks", "gpu_check.py"), "--device", "cpu", "--small"]
    result = subprocess.run([*command, "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    steps = {s["name"]: s for s in report["steps"]}
    assert list(steps) == STEPS and report["failed"] == []
    assert all(steps[name]["status"] == "skipped" for name in GPU_ONLY)
    assert all(
        steps[name]["status"] == "ok" and steps[name]["seconds"] > 0 for name in STEPS[2:] if name not in GPU_ONLY
    )
    assert steps["versions"]["figures"]["jax devices"] == ["cpu:0"]
    same = steps["mjx cpu vs device"]["figures"]["cpu at highest precision"]  # the same program: identical
    assert same == {"qpos": 0.0, "obs": 0.0, "reward terms": 0.0, "steps with other dones": []}
    assert "64 envs" in steps["bench_env mjx"]["figures"]
    assert float(steps["bench_train"]["figures"]["samples/s"].replace(",", "")) > 0
    train = steps["train"]["figures"]
    assert train["iterations"] == 2 and os.path.isfile(train["checkpoint"])
    assert os.path.isfile(os.path.join(os.path.dirname(train["checkpoint"]), "exported", "policy.onnx"))
    assert (out / "curve.png").stat().st_size > 0
    assert steps["sim2sim"]["figures"]["verdict"] in ("pass", "fail") and (out / "sim2sim" / "report.json").is_file()
    markdown = (out / "report.md").read_text()
    assert markdown.startswith("# gpu_check: all steps passed")
    assert all(f"## {name}:" in markdown for name in STEPS) and "env/physics cost" in markdown


def test_a_failing_command_fails_its_step_with_its_last_line_and_the_hint():
    command = [sys.executable, "-c", "print('compiling'); raise SystemExit('RuntimeError: graph capture failed')"]
    with pytest.raises(StepFailed) as failure:
        gpu_check.checked(command, 60, hint="hint: use mjx")
    assert str(failure.value) == "exit status 1: RuntimeError: graph capture failed; hint: use mjx"
    assert "--backend mjx" in gpu_check.WARP_HINT and "docs/warp_notes.md" in gpu_check.WARP_HINT


def test_steps_past_the_time_limit_are_skipped_and_said_so(tmp_path, capsys):
    gpu_check.main(["--device", "cpu", "--small", "--time_limit", "1", "--out", str(tmp_path)])
    report = json.loads((tmp_path / "report.json").read_text())
    assert [s["name"] for s in report["steps"]] == STEPS and report["failed"] == []
    spent = [s for s in report["steps"] if s["name"] not in GPU_ONLY + ("curve", "sim2sim")]
    assert all(s["status"] == "skipped" and "--time_limit" in s["error"] for s in spent)
    assert "SKIPPED: versions" in capsys.readouterr().out
