"""train_ppo.py end to end: outputs of a short run, --resume, Ctrl-C, and one-line errors."""

import argparse
import glob
import os
import pickle
import signal
import subprocess
import sys
import time

import numpy as np
import onnxruntime
import pytest
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def train(*args, timeout=600, env=None, device="cpu"):
    command = [sys.executable, os.path.join(ROOT, "train_ppo.py"), *(["--device", device] if device else []), *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    logs = tmp_path_factory.mktemp("logs")
    result = train("--num_envs", "8", "--max_iterations", "2", "--log_root", str(logs), "--exp_name", "smoke")
    assert result.returncode == 0, result.stderr[-2000:]
    (run,) = glob.glob(str(logs / "smoke" / "*"))
    return logs, run


def test_short_run_writes_checkpoints_configs_events_and_exports(first_run):
    _, run = first_run
    assert os.path.exists(os.path.join(run, "model_0.pt")) and os.path.exists(os.path.join(run, "model_1.pt"))
    assert glob.glob(os.path.join(run, "events.out.tfevents.*"))
    with open(os.path.join(run, "cfgs.pkl"), "rb") as handle:
        configs = pickle.load(handle)
    sections = {"env", "obs", "reward", "command", "domain_rand", "terrain", "train"}
    assert set(configs) == {"task", "backend", "num_envs", "device", *sections}
    assert (configs["num_envs"], configs["device"]) == (8, "cpu") and "multi_gpu" not in configs["train"]
    assert configs["domain_rand"]["push_interval_s"] is None  # off by default
    assert configs["backend"] == "mujoco"  # auto on a CPU
    assert configs["task"] == "go2" and configs["train"]["algorithm"]["learning_rate"] == 1e-3
    assert configs["train"]["actor"]["hidden_dims"] == [512, 256, 128]
    yaml_text = open(os.path.join(run, "cfgs.yaml")).read()
    assert yaml_text.startswith("# Generated from cfgs.pkl") and "decimation: 4" in yaml_text

    checkpoint = torch.load(os.path.join(run, "model_1.pt"), weights_only=False)
    assert checkpoint["iter"] == 1 and "optimizer_state_dict" in checkpoint

    obs = np.random.default_rng(0).normal(size=(1, 50)).astype(np.float32)
    jit_policy = torch.jit.load(os.path.join(run, "exported", "policy.pt"))
    session = onnxruntime.InferenceSession(os.path.join(run, "exported", "policy.onnx"))
    (onnx_actions,) = session.run(None, {session.get_inputs()[0].name: obs})
    jit_actions = jit_policy(torch.from_numpy(obs)).detach().numpy()
    assert onnx_actions.shape == (1, 12)
    np.testing.assert_allclose(onnx_actions, jit_actions, rtol=1e-4, atol=1e-5)


def test_tensorboard_has_every_reward_term(first_run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    _, run = first_run
    tags = set(EventAccumulator(run).Reload().Tags()["scalars"])
    assert {"Loss/value", "Perf/total_fps", "Train/mean_reward", "Train/mean_episode_length"} <= tags
    for term in (
        "tracking_lin_vel",
        "tracking_ang_vel",
        "lin_vel_z",
        "base_height",
        "action_rate",
        "similar_to_default",
    ):
        assert f"Episode_Reward/{term}" in tags


def test_video_clips_every_iteration_without_changing_training(first_run):
    """Same flags and seed as first_run plus --video: two clips (MP4 and TensorBoard), identical weights."""
    import imageio.v2 as imageio
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logs, first = first_run
    args = ["--num_envs", "8", "--max_iterations", "2", "--log_root", str(logs), "--exp_name", "video"]
    video = ["--video", "--video_interval", "1", "--video_length", "10"]
    result = train(*args, *video, env={**os.environ, "MUJOCO_GL": "egl"})
    if result.returncode == 2 and "needs an OpenGL context" in result.stderr:
        pytest.skip("no EGL here: " + result.stderr.strip())
    assert result.returncode == 0, result.stderr[-2000:]
    (run,) = glob.glob(str(logs / "video" / "*"))
    assert sorted(os.listdir(os.path.join(run, "videos"))) == ["train_0.mp4", "train_1.mp4"]
    for clip in ("train_0.mp4", "train_1.mp4"):
        reader = imageio.get_reader(os.path.join(run, "videos", clip))
        assert reader.count_frames() == 5 and reader.get_meta_data()["size"] == (640, 240)  # 10 steps, every 2nd
    images = EventAccumulator(run, size_guidance={"images": 0}).Reload().Images("Video/policy")
    assert [image.step for image in images] == [0, 1] and images[0].encoded_image_string[:6] == b"GIF89a"
    with_video, without = (torch.load(os.path.join(r, "model_1.pt"), weights_only=False) for r in (run, first))
    for name, value in without["actor_state_dict"].items():
        assert torch.equal(with_video["actor_state_dict"][name], value), name


def test_resume_keeps_the_runs_env_count_device_and_folder(first_run):
    """--resume without --num_envs or --device: the run's 8 environments on the CPU, in the run's own
    folder, continuing the iteration count up to --max_iterations, the run's total."""
    logs, first = first_run
    result = train("--resume", "--max_iterations", "3", "--log_root", str(logs), "--exp_name", "smoke", device=None)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "[train_ppo] task go2, 8 envs on cpu (mujoco)" in result.stdout
    assert (
        f"resumed from {first}/model_1.pt (2 iterations done) in the same run folder: iterations 2 to 2, "
        "1 more to reach --max_iterations 3 (the run's total)" in result.stdout
    )
    assert sorted(glob.glob(str(logs / "smoke" / "*"))) == [first]
    assert torch.load(os.path.join(first, "model_2.pt"), weights_only=False)["iter"] == 2
    with open(os.path.join(first, "cfgs.pkl"), "rb") as handle:
        configs = pickle.load(handle)
    assert (configs["num_envs"], configs["device"], configs["train"]["max_iterations"]) == (8, "cpu", 3)

    # the total reached: nothing to do (and nothing built); --load_run and --checkpoint name the run
    again = ["--load_run", os.path.basename(first), "--checkpoint", "-1", "--max_iterations", "3"]
    result = train(*again, "--log_root", str(logs), "--exp_name", "smoke", device=None, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == (
        f"[train_ppo] {first}/model_2.pt has completed 3 iterations, the run's total is 3: nothing to do "
        "(--max_iterations is the total; give a larger one to train further)"
    )


def test_a_resume_continues_in_place_only_from_the_newest_checkpoint_with_the_same_configs(tmp_path):
    from legged_mjx.jobs.train_ppo import plan_folder
    from legged_mjx.run_folders import save_run_configs

    run = tmp_path / "exp" / "2025-01-01_00-00-00"
    run.mkdir(parents=True)
    for it in (0, 5):
        (run / f"model_{it}.pt").write_bytes(b"")
    saved = {"task": "go2", "num_envs": 8, "env": {"action_scale": 0.25}, "train": {"max_iterations": 6, "seed": 1}}
    save_run_configs(str(run), saved)
    args = argparse.Namespace(exp_name="exp", task="go2", log_root=str(tmp_path), saved=saved)

    def plan(checkpoint, **changes):
        args.resume_from = str(run / checkpoint)
        configs = {**saved, **changes, "train": {**saved["train"], "max_iterations": 20, "logger": "wandb"}}
        folder, in_place = plan_folder(args, configs)
        return folder, in_place, configs["resumed_from"]

    assert plan("model_5.pt") == (str(run), True, None)  # a larger target, another logger: the same run
    folder, in_place, resumed_from = plan("model_0.pt")  # an older checkpoint: a branch in a new folder
    assert not in_place and folder.startswith(str(tmp_path / "exp")) and folder != str(run)
    assert resumed_from == str(run / "model_0.pt")
    assert plan("model_5.pt", num_envs=64)[1:] == (False, str(run / "model_5.pt"))  # other flags: a new folder
    assert plan("model_5.pt", env={"action_scale": 0.5})[1] is False


def test_a_start_that_fails_leaves_no_run_folder(tmp_path, monkeypatch):
    """The run folder is made once everything is built; one whose training fails before its first
    checkpoint is removed again."""
    import train_ppo
    from legged_mjx.training import Runner

    def boom(self, *args, **kwargs):
        os.makedirs(os.path.join(self.logger.log_dir, "git"))  # what rsl_rl writes first
        raise RuntimeError("boom")

    monkeypatch.setattr(Runner, "learn", boom)
    argv = ["--device", "cpu", "--num_envs", "16", "--max_iterations", "1", "--log_root", str(tmp_path)]
    with pytest.raises(RuntimeError, match="boom"):
        train_ppo.main([*argv, "--exp_name", "failing"])
    assert os.listdir(tmp_path / "failing") == []


def test_ctrl_c_saves_a_checkpoint(tmp_path):
    command = [
        sys.executable,
        "-u",
        os.path.join(ROOT, "train_ppo.py"),
        "--device",
        "cpu",
        "--num_envs",
        "8",
        "--max_iterations",
        "100000",
        "--log_root",
        str(tmp_path),
        "--exp_name",
        "interrupt",
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    for line in process.stdout:
        seen.append(line)
        if "Learning iteration 3/" in line:
            process.send_signal(signal.SIGINT)
            break
    output = process.communicate(timeout=120)[0]
    assert process.returncode == 130, "".join(seen)[-2000:] + output[-2000:]
    assert "interrupted: saved" in output
    models = glob.glob(str(tmp_path / "interrupt" / "*" / "model_*.pt"))
    assert max(int(m.rsplit("_", 1)[1][:-3]) for m in models) >= 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--task", "go3"], "unknown task 'go3'"),
        (["--xml-path", "/nonexistent/go2.xml"], "model file not found: /nonexistent/go2.xml"),
        (["--checkpoint", "/nonexistent/model_5.pt"], "checkpoint not found: /nonexistent/model_5.pt"),
        (["--set", "env.actio_scale=0.2"], "unknown config key 'env.actio_scale' (did you mean env.action_scale?)"),
        pytest.param(
            ["--device", "cuda:0"],
            "torch sees no CUDA GPU",
            marks=pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA"),
        ),
    ],
)
def test_bad_input_exits_non_zero_with_one_line(args, message, tmp_path):
    start = time.time()
    result = train(*args, "--num_envs", "4", "--log_root", str(tmp_path), timeout=120)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert time.time() - start < 60
