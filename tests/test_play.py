"""play.py: a video and one line per episode from a tiny run, held commands, and the one-line errors
of --viewer without a display and of an OpenGL backend that cannot load."""

import os
import re
import subprocess
import sys

import imageio.v2 as imageio
import pytest

import play
from legged_mjx.errors import UserError
from legged_mjx.tasks import task_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EPISODE = re.compile(
    r"^\[play\] env (\d): command (.*) \| achieved vx=(\S+) vy=(\S+) wz=(\S+) \| return (\S+) over (\S+) s \| (\S+)$"
)


def run_play(*args, gl="egl"):
    env = {**os.environ, "MUJOCO_GL": gl}
    command = [sys.executable, os.path.join(ROOT, "play.py"), "--device", "cpu", *map(str, args)]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_video_frames_and_one_line_per_episode(tiny_run):
    """tiny_run's episodes last 0.5 s: 1.2 s of play ends episodes and leaves some running."""
    result = run_play("--checkpoint", tiny_run / "model_1.pt", "--num_envs", 2, "--duration", 1.2, "--command", 0.5)
    if result.returncode == 2 and "needs an OpenGL context" in result.stderr:
        pytest.skip("no EGL here: " + result.stderr.strip())
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[-1] == f"[play] wrote {tiny_run / 'videos' / 'play_1.mp4'}"

    episodes = [EPISODE.match(line) for line in lines if line.startswith("[play] env ")]
    assert episodes and all(episodes), lines
    seconds = {"0": 0.0, "1": 0.0}
    for match in episodes:
        assert match.group(2) == "lin_vel_x=+0.50 lin_vel_y=+0.00 ang_vel_z=+0.00 height=+0.30 jump=+0.00"
        assert float(match.group(7)) <= 0.5 + 1e-9 and match.group(8) in {"time_out", "orientation", "running"}
        seconds[match.group(1)] += float(match.group(7))
    assert seconds == pytest.approx({"0": 1.2, "1": 1.2})  # every control step is in exactly one episode
    assert sum(m.group(8) != "running" for m in episodes) >= 2

    reader = imageio.get_reader(str(tiny_run / "videos" / "play_1.mp4"))
    meta = reader.get_meta_data()
    assert reader.count_frames() == 30 and meta["size"] == (640, 240) and meta["fps"] == 25.0  # 60 steps, every 2nd


def test_held_commands_and_the_default_video_path(tiny_run):
    go2, ballu = task_config("go2"), task_config("ballu")
    assert play.held_commands(go2, [1.0, 0.2], 4, seed=0) == [[1.0, 0.2, 0.0, 0.30000000000000004, 0.0]]
    assert play.held_commands(ballu, [0.2, 0.0], 4, seed=0) == [[0.2, 0.0]]
    drawn = play.held_commands(go2, None, 3, seed=0)
    assert len(drawn) == 3 and len({row[0] for row in drawn}) == 3
    for row in drawn:
        assert all(go2.command.ranges[n][0] <= v <= go2.command.ranges[n][1] for n, v in zip(go2.command.names, row))
    with pytest.raises(UserError, match="takes at most 2 values"):
        play.held_commands(ballu, [0.2, 0.0, 0.1], 4, seed=0)
    assert play.default_video_path(str(tiny_run / "exported" / "policy.pt")) == str(
        tiny_run / "videos" / "play_policy.mp4"
    )


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
