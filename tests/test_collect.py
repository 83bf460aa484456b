"""collect_trajectories.py and legged_mjx.collection/dataset: schema, transition semantics, bitwise
replay, windows, resume, Ctrl-C, kill -9 and one-line errors.

One 16-env Go2 program serves most tests: the run's saved config shortens episodes to 0.5 s
(25 control steps) so that both failures and time-outs happen within a few steps.
"""

import os
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
import torch

import collect_trajectories
from legged_mjx import dataset, preflight
from legged_mjx.cli.collect_trajectories import COMPRESSIONS
from legged_mjx.collection.actor import policy_std
from legged_mjx.collection.claims import Claims
from legged_mjx.collection.commits import Committer
from legged_mjx.collection.episode_buffers import EpisodeBuffers
from legged_mjx.collection.loop import finished_episodes
from legged_mjx.collection.replay import replay
from legged_mjx.dataset import TrajectoryWindows, load_trajectories
from legged_mjx.errors import UserError
from legged_mjx.run_config import run_config
from legged_mjx.foot_timers import TIMERS
from legged_mjx.tasks import make_task
from tests.helpers import collect_ballu

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMAND = ["1.0", "0", "0", "0.3", "0"]


@pytest.fixture(scope="module")
def run(tiny_run):
    return tiny_run


def collect_main(*args):
    collect_trajectories.main(["--device", "cpu", "--num_envs", "16", *map(str, args)])


@pytest.fixture(scope="module")
def stochastic(run, tmp_path_factory):
    out = tmp_path_factory.mktemp("data") / "demos.h5"
    collect_main("--checkpoint", run / "model_1.pt", "--num_episodes", 40, "--stochastic", "--out", out)
    return out


def test_schema_shapes_dtypes_index_and_attributes(stochastic):
    traj = load_trajectories(str(stochastic))
    data, meta, attrs = traj.data, traj.meta, traj.attrs
    T, E = len(data["reward"]), traj.num_episodes
    assert E == 40 and attrs["num_episodes"] == 40 and attrs["num_transitions"] == T
    expected = {
        "obs/policy": (50, np.float32),
        "obs/critic": (61, np.float32),
        "action": (12, np.float32),
        "action_mean": (12, np.float32),
        "joint_targets": (12, np.float32),
        "command": (5, np.float32),
        "reward": (None, np.float32),
        "terminated": (None, np.bool_),
        "truncated": (None, np.bool_),
        "state/qpos": (19, np.float64),  # the native backend's (the CPU default) own precision
        "state/qvel": (18, np.float64),
        "state/qacc_warmstart": (18, np.float64),
        "state/time": (None, np.float64),
        "state/sensordata": (16, np.float64),
        "state/ctrl": (12, np.float64),
        "state/prev_action": (12, np.float32),
        "state/key": (2, np.uint32),
        **{f"state/foot_timers/{name}": (4, np.float32) for name in TIMERS},
        "state/foot_timers/first_contact": (4, np.bool_),
    }
    for term in attrs["config"]["reward"]["weights"]:
        expected[f"reward_terms/{term}"] = (None, np.float32)
    assert set(data) == set(expected)
    for key, (width, dtype) in expected.items():
        assert data[key].shape == ((T,) if width is None else (T, width)) and data[key].dtype == dtype, key

    lengths = meta["episode_length"]
    assert lengths.sum() == T and np.array_equal(meta["episode_ends"], np.cumsum(lengths))
    assert np.array_equal(meta["episode_start"], meta["episode_ends"] - lengths)
    done = data["terminated"] | data["truncated"]
    assert np.array_equal(np.flatnonzero(done), meta["episode_ends"] - 1)  # each ends done, nowhere else
    last = meta["episode_ends"] - 1
    assert np.array_equal(meta["termination/time_out"], data["truncated"][last])
    assert np.array_equal(meta["termination/orientation"] | meta["termination/non_finite"], data["terminated"][last])
    assert meta["termination/time_out"].any() and meta["termination/orientation"].any()
    np.testing.assert_allclose(
        meta["episode_return"], np.add.reduceat(data["reward"], meta["episode_start"]), rtol=1e-5, atol=1e-7
    )  # float32 sums in another order: a return near zero differs by a few ulps of its terms
    for key, width in (("final/state/qpos", 19), ("final/state/qvel", 18), ("final/obs/policy", 50)):
        assert meta[key].shape == (E, width) and meta[key].dtype == np.float32, key
    # the final state is where the last step went, not the next episode's reset pose
    assert not np.allclose(meta["final/state/qpos"][:, 7:], data["state/qpos"][meta["episode_start"], 7:])
    assert np.all(np.bincount(meta["env_id"], minlength=16) >= 1)  # the first 16 episodes are all claimed

    for name in (
        "task",
        "config",
        "train_config",
        "model_xml",
        "model_xml_sha256",
        "model_xml_path",
        "joint_names",
        "obs_layout",
        "policy_path",
        "policy_sha256",
        "legged_mjx_version",
        "git_commit",
        "seed",
        "created",
    ):
        assert name in attrs, name
    assert attrs["task"] == "go2" and attrs["sampling"] == "stochastic" and len(attrs["action_std"]) == 12
    assert (attrs["sim_dt"], attrs["decimation"], attrs["control_dt"], attrs["max_episode_length"]) == (
        0.005,
        4,
        0.02,
        25,
    )
    assert attrs["joint_names"][:3] == ["FR_hip_joint", "FR_thigh_joint", "FR_calf_joint"]
    assert attrs["model_xml"].startswith("<mujoco") and attrs["train_config"]["num_steps_per_env"] == 4
    assert [t["size"] for t in attrs["obs_layout"]["policy"]] == [3, 3, 3, 5, 12, 12, 12]
    assert attrs["segments"][0]["num_envs"] == 16 and attrs["segments"][0]["episodes"] == 40
    with h5py.File(stochastic) as h5:
        assert h5["data/obs/policy"].compression == "gzip" and h5["data/obs/policy"].chunks[1] == 50


def test_episodes_are_claimed_when_they_start_not_when_they_end():
    """2 envs, 3 episodes wanted; env 0's episodes last 2 steps, env 1's first 9: keeping the first
    3 to finish would keep only short ones."""
    lengths, step, frames = np.array([2, 9]), np.zeros(2, np.int32), []
    for t in range(12):
        done = step + 1 == lengths
        fields = {"reward": np.full(2, t, np.float32), "terminated": done, "truncated": np.zeros(2, bool)}
        frames.append((fields, step.copy(), {}, {"final/state/qpos": np.full((2, 1), t, np.float32)}))
        step = np.where(done, 0, step + 1)
    claims = Claims(3, num_envs=2)
    kept = list(finished_episodes(frames, EpisodeBuffers(2, 16), claims, segment=0))
    assert [(int(e.meta["env_id"]), len(e)) for e in kept] == [(0, 2), (0, 2), (1, 9)] and claims.complete
    assert [e.data["reward"].tolist() for e in kept] == [[0, 1], [2, 3], list(range(9))]
    assert [float(e.meta["final/state/qpos"][0]) for e in kept] == [1, 3, 8]  # the step each one ended at


def test_transitions_hold_the_state_before_the_step_and_the_latent_action(stochastic):
    traj = load_trajectories(str(stochastic))
    layout = {t["name"]: t for t in traj.attrs["obs_layout"]["policy"]}
    default_pose = np.asarray([traj.attrs["config"]["env"]["default_joint_pos"][n] for n in traj.attrs["joint_names"]])
    for e in range(traj.num_episodes):
        ep = traj.episode(e)
        previous = np.vstack([np.zeros((1, 12), np.float32), ep["action"][:-1]])
        assert np.array_equal(ep["state/prev_action"], previous)  # latency buffer: the previous action
        np.testing.assert_allclose(ep["joint_targets"], default_pose + 0.3 * previous, atol=1e-6)  # applied = previous
        last = layout["last_action"]
        assert np.array_equal(ep["obs/policy"][:, last["start"] : last["start"] + 12], previous)
        assert np.all(np.diff(ep["state/time"]) > 0)
    first = traj.meta["episode_start"]
    assert np.all(traj.data["state/qpos"][first] == traj.data["state/qpos"][0]) and traj.data["state/qpos"][
        0, 2
    ] == np.float32(0.3)
    assert not traj.data["state/qvel"][first].any() and not traj.data["state/time"][first].any()  # the reset state
    assert not np.array_equal(traj.data["action"], traj.data["action_mean"])  # sampled around the mean
    terms = [traj.data[f"reward_terms/{t}"] for t in traj.attrs["config"]["reward"]["weights"]]
    np.testing.assert_allclose(traj.data["reward"], np.sum(terms, axis=0), rtol=1e-5, atol=1e-7)


def test_replay_in_the_recorded_lanes_is_bitwise_and_a_batch_of_one_is_close(stochastic):
    traj = load_trajectories(str(stochastic))
    episodes = list(range(traj.num_episodes))
    for e, replayed in zip(episodes, replay(traj, episodes)):
        recorded = traj.episode(e)
        assert set(recorded) < set(replayed)
        for key in recorded:
            assert np.array_equal(replayed[key], recorded[key]), (e, key)
        for key in ("final/state/qpos", "final/state/qvel", "final/obs/critic"):  # the terminal state too
            assert np.array_equal(replayed[key][-1], traj.meta[key][e]), (e, key)
    # another program (batch of 1): XLA rounds differently; measured <= ~1e-6 rad over these episodes
    for e, replayed in zip([0, 1], replay(traj, [0, 1], batch_size=1)):
        recorded = traj.episode(e)
        np.testing.assert_allclose(replayed["state/qpos"], recorded["state/qpos"], atol=1e-5)
        assert np.array_equal(replayed["terminated"], recorded["terminated"])


def test_windows_stay_inside_episodes(stochastic):
    traj = load_trajectories(str(stochastic), keys=["state/qpos", "action"])
    assert set(traj.data) == {"state/qpos", "action"}
    windows = TrajectoryWindows(traj, horizon=8)
    lengths = traj.meta["episode_length"]
    assert len(windows) == np.maximum(lengths - 7, 0).sum() > 0
    episode_of = np.repeat(np.arange(traj.num_episodes), lengths)
    for i in range(0, len(windows), 7):
        start = windows.starts[i]
        assert episode_of[start] == episode_of[start + 7]
        item = windows[i]
        assert item["state/qpos"].shape == (8, 19)
        assert np.array_equal(item["action"].numpy(), traj.data["action"][start : start + 8])
    strided = TrajectoryWindows(str(stochastic), horizon=4, keys=["state/key"], stride=3)
    assert strided[0]["state/key"].dtype.is_signed and len(strided) == sum(len(range(0, n - 3, 3)) for n in lengths)


def test_resume_appends_new_episodes_and_refuses_another_collection(stochastic, run, tmp_path, capsys):
    out = tmp_path / "demos.h5"
    shutil.copy(stochastic, out)
    before = load_trajectories(str(out))
    collect_main("--checkpoint", run / "model_1.pt", "--num_episodes", 56, "--stochastic", "--out", out, "--resume")
    after = load_trajectories(str(out))
    assert after.num_episodes == 56 and list(after.meta["segment"]).count(1) == 16
    T = len(before.data["reward"])
    for key, value in before.data.items():
        assert np.array_equal(after.data[key][:T], value)
    first_keys = after.data["state/key"][after.meta["episode_start"]]
    assert len(np.unique(first_keys, axis=0)) == 56  # fresh random streams: no episode repeated
    assert [s["episodes"] for s in after.attrs["segments"]] == [40, 16] and after.attrs["created"] == before.attrs[
        "created"
    ]

    collect_main("--checkpoint", run / "model_1.pt", "--num_episodes", 30, "--stochastic", "--out", out, "--resume")
    assert "nothing to do" in capsys.readouterr().out
    for extra, message in [
        ([], "exists: pass --resume"),
        (["--resume"], "different sampling, action_std"),
        (["--resume", "--stochastic", "--seed", "1"], "different seed"),
    ]:
        with pytest.raises(SystemExit) as exit_info:
            collect_main("--checkpoint", run / "model_1.pt", "--num_episodes", 60, "--out", out, *extra)
        assert exit_info.value.code == 2 and message in capsys.readouterr().err
    assert load_trajectories(str(out)).num_episodes == 56


def test_exported_policy_with_task_defaults_and_noise(run, tmp_path):
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(run / "exported" / "policy.pt", bare / "policy.pt")
    out = tmp_path / "noisy.h5"
    collect_main(
        "--checkpoint",
        bare / "policy.pt",
        "--task",
        "go2",
        "--num_episodes",
        16,
        "--out",
        out,
        "--action_noise",
        "1.0",
        "--obs_noise",
        "0.1",
    )
    traj = load_trajectories(str(out))
    assert traj.attrs["policy_kind"] == "torchscript" and traj.attrs["sampling"] == "deterministic"
    assert traj.attrs["max_episode_length"] == 1000 and traj.attrs["train_config"] == {}
    assert (traj.attrs["action_noise_std"], traj.attrs["obs_noise_std"]) == (1.0, 0.1)
    noise = traj.data["action"] - traj.data["action_mean"]
    assert 0.8 < noise.std() < 1.2


def test_ctrl_c_commits_complete_episodes(run, tmp_path, capsys, monkeypatch):
    out, add = tmp_path / "interrupted.h5", Committer.add

    def add_then_interrupt(self, episode):  # Ctrl-C arrives once 20 episodes are complete
        add(self, episode)
        if len(self.pending) == 20:
            raise KeyboardInterrupt

    monkeypatch.setattr(Committer, "add", add_then_interrupt)
    with pytest.raises(SystemExit) as exit_info:
        collect_main(
            "--checkpoint",
            run / "model_1.pt",
            "--num_episodes",
            1000,
            "--stochastic",
            "--out",
            out,
            "--commit_every",
            3600,
        )
    assert exit_info.value.code == 130 and "holds 20 complete episodes" in capsys.readouterr().err
    traj = load_trajectories(str(out))  # committed on the way out, not by the (hourly) timer
    assert traj.num_episodes == 20
    assert np.array_equal(
        np.flatnonzero(traj.data["terminated"] | traj.data["truncated"]), traj.meta["episode_ends"] - 1
    )


def test_kill_9_leaves_a_valid_file_and_resume_completes_it(run, tmp_path):
    out = tmp_path / "killed.h5"
    command = [
        sys.executable,
        os.path.join(ROOT, "collect_trajectories.py"),
        "--device",
        "cpu",
        "--num_envs",
        "16",
        "--checkpoint",
        str(run / "model_1.pt"),
        "--num_episodes",
        "100000",
        "--out",
        str(out),
        "--commit_every",
        "0",
        "--command",
        *COMMAND,
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not (out.exists() and dataset.read_attrs(str(out))["num_episodes"] >= 32):
            assert process.poll() is None and time.monotonic() < deadline, "collection did not commit in time"
            time.sleep(0.2)
        while not list(tmp_path.glob(".tmp-*")):  # commits every 16 steps: kill in the middle of one
            time.sleep(0.001)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert list(tmp_path.glob(".tmp-*")), "the kill should have landed inside a commit"
    traj = load_trajectories(str(out))
    done = traj.data["terminated"] | traj.data["truncated"]
    assert traj.num_episodes >= 32 and np.array_equal(np.flatnonzero(done), traj.meta["episode_ends"] - 1)
    assert np.all(traj.data["command"] == np.asarray(COMMAND, np.float32))  # --command: fixed for all
    assert np.array_equal(traj.data["action"], traj.data["action_mean"])  # deterministic

    total = traj.num_episodes + 16
    collect_main(
        "--checkpoint", run / "model_1.pt", "--num_episodes", total, "--out", out, "--resume", "--command", *COMMAND
    )
    resumed = load_trajectories(str(out))
    assert resumed.num_episodes == total and np.array_equal(resumed.meta["segment"][-16:], np.ones(16))


def test_a_failing_commit_leaves_the_previous_file(stochastic, tmp_path, monkeypatch):
    out = tmp_path / "demos.h5"
    shutil.copy(stochastic, out)
    original = out.read_bytes()
    traj = load_trajectories(str(out))
    derived = ("episode_ends", "episode_start", "episode_length")
    episode = dataset.Episode(traj.episode(0), {k: v[0] for k, v in traj.meta.items() if k not in derived})

    def crash(dataset_, values):
        raise OSError("disk full")

    monkeypatch.setattr(dataset, "_append", crash)
    with pytest.raises(OSError, match="disk full"):
        dataset.commit(str(out), [episode], {"updated": "now"})
    assert out.read_bytes() == original and os.listdir(tmp_path) == ["demos.h5"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--checkpoint", "missing/model_1.pt"], "checkpoint not found: missing/model_1.pt"),
        (["--checkpoint", "{bare}"], "no cfgs.pkl beside"),
        (["--checkpoint", "{bare}", "--task", "go3"], "unknown task 'go3'"),
        (["--checkpoint", "{run}", "--task", "ballu"], "does not match the run's task 'go2'"),
        (
            ["--checkpoint", "{run}", "--command", "1", "0", "0", "0.3", "0", "1"],
            "--command takes 1 to 5 values (lin_vel_x lin_vel_y ang_vel_z height jump), got 6",
        ),
        (["--checkpoint", "{export}", "--stochastic"], "--stochastic needs an rsl_rl checkpoint"),
        (["--checkpoint", "{bare}", "--task", "ballu"], "maps 50 observations to 12 actions; task ballu has"),
        (["--checkpoint", "{run}", "--num_episodes", "0"], "--num_episodes must be >= 1"),
    ],
)
def test_bad_input_is_one_line_error(run, tmp_path, capsys, args, message):
    bare = tmp_path / "model_1.pt"
    shutil.copy(run / "model_1.pt", bare)
    paths = {"bare": bare, "run": run / "model_1.pt", "export": run / "exported" / "policy.pt"}
    with pytest.raises(SystemExit) as exit_info:
        collect_main(*[a.format(**paths) for a in args], "--out", tmp_path / "x.h5")
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.startswith("error: ") and message in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "x.h5").exists()


def test_the_disk_check_counts_the_bytes_of_a_transition(stochastic, run, tmp_path):
    """preflight's transition size is what a dataset stores per transition; a collection that cannot
    fit on the disk is refused before anything is built."""
    traj = load_trajectories(str(stochastic))
    stored = sum(value[0].nbytes for value in traj.data.values())
    task_name, cfg, _ = run_config(str(run / "model_1.pt"), None)
    task = make_task(task_name, cfg)
    assert preflight.transition_bytes(task, "mujoco") == stored
    needed = preflight.collection_bytes(task, "mujoco", 10, "none")
    assert needed == stored * 25 * 10  # 0.5 s episodes of 25 control steps
    with pytest.raises(UserError, match=r"100 episodes will write about .* free: ask for fewer"):
        preflight.check_disk(str(tmp_path / "x.h5"), 1 << 60, "100 episodes", "ask for fewer --num_episodes")
    assert set(COMPRESSIONS) == set(dataset.COMPRESSION) == set(preflight.COMPRESSED)


def test_policy_std_of_each_checkpoint_layout(run, tmp_path):
    torch.testing.assert_close(policy_std(str(run / "model_1.pt")), torch.ones(12), atol=0.05, rtol=0)  # init_std 1
    path = str(tmp_path / "ckpt.pt")
    torch.save({"model_state_dict": {"log_std": torch.log(torch.full((12,), 0.5))}}, path)
    torch.testing.assert_close(policy_std(path), torch.full((12,), 0.5))
    torch.save({"actor_state_dict": {"distribution.std_param": torch.tensor([-1.0, 0.5, 2.0])}}, path)
    train = {"actor": {"distribution_cfg": {"std_range": [0.1, 1.0]}}}
    torch.testing.assert_close(policy_std(path, train), torch.tensor([0.1, 0.5, 1.0]))  # clamped as rsl_rl samples
    torch.save({"actor_state_dict": {"mlp.0.weight": torch.zeros(2, 2)}}, path)
    with pytest.raises(UserError, match="no state-independent action std"):
        policy_std(path)


def test_loading_something_else_is_a_user_error(tmp_path):
    with h5py.File(tmp_path / "other.h5", "w") as h5:
        h5["x"] = 1
    with pytest.raises(UserError, match="not a trajectory dataset"):
        load_trajectories(str(tmp_path / "other.h5"))
    (tmp_path / "junk.h5").write_bytes(b"junk")
    with pytest.raises(UserError, match="not a readable HDF5 file"):
        load_trajectories(str(tmp_path / "junk.h5"))


def test_ballu_records_per_episode_params_and_replays_bitwise(tmp_path):
    """BALLU: no action latency, a 2-D command, and a GCR drawn per episode that replay must restore."""
    task = make_task("ballu", GCR_range=[0.7, 0.95], episode_length_s=0.2)
    traj = collect_ballu(task, tmp_path / "ballu.h5", 12)
    assert traj.data["command"].shape[1] == 2 and traj.data["state/prev_action"].shape[1] == 2
    gcr = traj.data["state/params/gcr"]
    per_episode = [np.unique(gcr[s:e]) for s, e in zip(traj.meta["episode_start"], traj.meta["episode_ends"])]
    assert all(len(values) == 1 for values in per_episode) and len(np.unique(per_episode)) == 12
    assert ((0.7 <= gcr) & (gcr <= 0.95)).all()
    targets = np.clip(np.pi / 2 + np.pi / 2 * traj.data["action"], 0.0, np.pi)  # no latency: this step's action
    np.testing.assert_allclose(traj.data["joint_targets"], targets, atol=1e-6)
    for e, replayed in enumerate(replay(traj, range(12))):
        for key, value in traj.episode(e).items():
            assert np.array_equal(replayed[key], value), (e, key)
