"""play.py: a video, a table and a summary from a tiny run, held commands, and the one-line errors
of --viewer without a display and of an OpenGL backend that cannot load."""

import os
import re
import subprocess
import sys

import imageio.v2 as imageio
import numpy as np
import pytest

import play
from legged_mjx.errors import UserError
from legged_mjx.jobs.play import default_video_path, held_commands
from legged_mjx.playback import Episode, report
from legged_mjx.tasks import task_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROW = re.compile(r"^\[play\]\s+(\d) \| (.*) \| (\d+) \| (\d+) \| (\S+) \| (\S+) (\S+) (\S+)$")
SUMMARY = re.compile(
    r"^\[play\] summary: (\d+) episodes \((\d+) ended, (\d+) still running at the end\); falls (\d+).*, "
    r"time-outs (\d+); mean return (\S+) per ended episode; tracking error vx (\S+) m/s, vy (\S+) m/s, wz (\S+) rad/s$"
)


def run_play(*args, gl="egl"):
    env = {**os.environ, "MUJOCO_GL": gl}
    command = [sys.executable, os.path.join(ROOT, "play.py"), "--device", "cpu", *map(str, args)]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_video_frames_table_and_summary(tiny_run):
    """tiny_run's episodes last 0.5 s: 1.2 s of play ends episodes and leaves some running. The run
    folder stands for its newest checkpoint (model_1.pt)."""
    result = run_play("--checkpoint", tiny_run, "--num_envs", 2, "--duration", 1.2, "--command", 0.5)
    if result.returncode == 2 and "needs an OpenGL context" in result.stderr:
        pytest.skip("no EGL here: " + result.stderr.strip())
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert f"[play] wrote {tiny_run / 'videos' / 'play_1.mp4'}" in lines
    assert len(lines) <= 10  # no line per episode
    rows = [ROW.match(line) for line in lines if ROW.match(line)]
    assert [row.group(1) for row in rows] == ["0", "1"]
    for row in rows:
        assert row.group(2) == "+0.50 +0.00 +0.00 +0.30 +0.00"  # the slots not given: the middle of their ranges
        assert int(row.group(3)) >= 3  # 1.2 s of 0.5 s episodes: at least two ended and one running
    (summary,) = [SUMMARY.match(line) for line in lines if line.startswith("[play] summary")]
    episodes, ended, running, falls, time_outs = (int(summary.group(i)) for i in range(1, 6))
    assert episodes == sum(int(row.group(3)) for row in rows) and ended + running == episodes
    assert running == 2 and falls + time_outs == ended and falls == sum(int(row.group(4)) for row in rows)

    reader = imageio.get_reader(str(tiny_run / "videos" / "play_1.mp4"))
    meta = reader.get_meta_data()
    assert reader.count_frames() == 30 and meta["size"] == (640, 240) and meta["fps"] == 25.0  # 60 steps, every 2nd


def test_report_counts_falls_and_tracking_by_hand():
    names = ["lin_vel_x", "lin_vel_y", "ang_vel_z"]
    command = np.array([1.0, 0.0, 0.5])
    episodes = [
        Episode(0, command, np.array([0.8, 0.1, 0.5]), 10.0, 100, "time_out"),
        Episode(0, command, np.array([0.2, 0.0, 0.0]), 1.0, 25, "orientation"),
        Episode(1, command, np.array([1.0, -0.1, 0.3]), 4.0, 75, "running"),
    ]
    lines = report(episodes, names, num_envs=2)
    assert lines[1] == "  0 | +1.00 +0.00 +0.50 | 2 | 1 | 5.50 | +0.68 +0.08 +0.40"  # step-weighted velocity
    assert lines[2] == "  1 | +1.00 +0.00 +0.50 | 1 | 0 | 4.00 | +1.00 -0.10 +0.30"
    vx = (100 * 0.2 + 25 * 0.8 + 75 * 0.0) / 200
    vy = (100 * 0.1 + 25 * 0.0 + 75 * 0.1) / 200
    wz = (100 * 0.0 + 25 * 0.5 + 75 * 0.2) / 200
    assert lines[-1] == (
        "summary: 3 episodes (2 ended, 1 still running at the end); falls 1 (orientation 1), time-outs 1; "
        f"mean return 5.50 per ended episode; tracking error vx {vx:.2f} m/s, vy {vy:.2f} m/s, wz {wz:.2f} rad/s"
    )


def test_held_commands_and_the_default_video_path(tiny_run):
    go2, ballu = task_config("go2"), task_config("ballu")
    assert held_commands(go2, [[1.0, 0.2]], 4, seed=0) == [[1.0, 0.2, 0.0, 0.30000000000000004, 0.0]]
    assert held_commands(go2, [[1.0], [0.5, 0, 0, 0.25, 0]], 4, seed=0)[1] == [0.5, 0.0, 0.0, 0.25, 0.0]
    assert held_commands(ballu, [[0.2, 0.0]], 4, seed=0) == [[0.2, 0.0]]
    drawn = held_commands(go2, None, 3, seed=0)
    assert len(drawn) == 3 and len({row[0] for row in drawn}) == 3
    for row in drawn:
        assert all(go2.command.ranges[n][0] <= v <= go2.command.ranges[n][1] for n, v in zip(go2.command.names, row))
    with pytest.raises(UserError, match="takes 1 to 2 values"):
        held_commands(ballu, [[0.2, 0.0, 0.1]], 4, seed=0)
    assert default_video_path(str(tiny_run / "exported" / "policy.pt")) == str(tiny_run / "videos" / "play_policy.mp4")


def test_viewer_without_a_display_is_one_line(tiny_run, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        play.main(["--checkpoint", str(tiny_run / "model_1.pt"), "--device", "cpu", "--viewer"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err == (
        "error: --viewer needs a display (DISPLAY and WAYLAND_DISPLAY are unset); drop --viewer for a video\n"
    )


def test_an_opengl_backend_that_cannot_load_is_one_line(tiny_run):
    result = run_play("--checkpoint", tiny_run / "model_1.pt", gl="vulkan")
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: mujoco cannot load the OpenGL backend MUJOCO_GL=vulkan")
    assert "MUJOCO_GL=egl" in line and "MUJOCO_GL=osmesa" in line
