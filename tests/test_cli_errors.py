"""Every entry point answers bad input (a wrong type, a value out of range, a missing file) with one
line `error: ...` on stderr and exit status 2, before building any environment."""

import os
import pickle
import subprocess
import sys

import pytest
import torch

import collect_trajectories
import play
import sim2sim
import train_ppo
from legged_mjx.config import to_dict
from legged_mjx.tasks import task_config, train_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAINS = {"train_ppo": train_ppo.main, "collect": collect_trajectories.main, "sim2sim": sim2sim.main, "play": play.main}
NO_CUDA = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")

CASES = [
    # train_ppo.py
    ("train_ppo", ["--num_envs", "many"], "argument --num_envs: invalid int value: 'many'"),
    ("train_ppo", ["--set", "env.sim_dt=abc"], "config key 'env.sim_dt' needs a value of type float, got 'abc'"),
    ("train_ppo", ["--set", "env.decimation=-2"], "config key 'env.decimation' must be >= 1, got -2"),
    ("train_ppo", ["--task", "ballu", "--GCR", "x"], "argument --GCR: invalid float value: 'x'"),
    ("train_ppo", ["--task", "ballu", "--GCR", "-1"], "config key 'env.GCR' must be > 0, got -1.0"),
    ("train_ppo", ["--task", "ballu", "--GCR_range", "0.9", "0.7"], "'env.GCR_range' must be two values 0 < LO <= HI"),
    ("train_ppo", ["--task", "ballu", "--GCR_range", "0.9"], "argument --GCR_range: expected 2 arguments"),
    ("train_ppo", ["--task", "ballu", "--spcf", "-0.1"], "config key 'env.spcf' must be >= 0, got -0.1"),
    ("train_ppo", ["--task", "ballu", "--drag", "nan"], "config key 'env.drag' must be >= 0, got nan"),
    ("train_ppo", ["--max_iterations", "-1"], "--max_iterations must be >= 1, got -1"),
    ("train_ppo", ["--num_envs", "0"], "--num_envs must be >= 1, got 0"),
    ("train_ppo", ["--video", "--video_interval", "0"], "--video_interval must be >= 1, got 0"),
    ("train_ppo", ["--logger", "mlflow"], "argument --logger: invalid choice: 'mlflow'"),
    ("train_ppo", ["--backend", "physx"], "argument --backend: invalid choice: 'physx'"),
    ("train_ppo", ["--threads", "0"], "argument --threads: must be >= 1, got 0"),
    ("train_ppo", ["--threads", "two"], "argument --threads: invalid int value: 'two'"),
    ("train_ppo", ["--checkpoint", "/nonexistent/model_5.pt"], "checkpoint not found: /nonexistent/model_5.pt"),
    ("train_ppo", ["--xml-path", "/nonexistent/go2.xml"], "model file not found: /nonexistent/go2.xml"),
    ("train_ppo", ["--device", "bogus"], "unsupported device 'bogus' (use cpu or cuda:N)"),
    ("train_ppo", ["--randomize", "bogus"], "task 'go2' has no randomisation preset 'bogus' (known: isaac)"),
    ("train_ppo", ["--set", "env.actio_scale=0.2"], "'env.actio_scale' (did you mean env.action_scale?)"),
    ("train_ppo", ["--set", "decimaton=2"], "unknown config key 'decimaton' (did you mean env.decimation?)"),
    (
        "train_ppo",
        ["--set", "train.algorithm.learning_rat=1e-3"],
        "unknown train config key 'train.algorithm.learning_rat' (did you mean train.algorithm.learning_rate?)",
    ),
    (
        "train_ppo",
        ["--set", "train.algorithm.learning_rate=-1"],
        "train config key 'train.algorithm.learning_rate' must be > 0, got -1.0",
    ),
    ("train_ppo", ["--set", "train.algorithm.gamma=1.5"], "'train.algorithm.gamma' must be in (0, 1], got 1.5"),
    ("train_ppo", ["--set", "train.num_steps_per_env=2.5"], "'train.num_steps_per_env' needs a value of type int"),
    ("train_ppo", ["--num_envs", "50000000"], "50000000 environments need about"),
    ("train_ppo", ["--checkpoint", "{broken}"], "cfgs.pkl is damaged or truncated"),
    ("train_ppo", ["--resume"], "no checkpoint to resume under"),
    ("train_ppo", ["--checkpoint", "{run}", "--task", "ballu"], "--task ballu does not match the run's task 'go2'"),
    ("train_ppo", ["--terrain", "moon"], "argument --terrain: invalid choice: 'moon'"),
    ("train_ppo", ["--set", "terrain.generator.num_rows=4"], "sets a key inside None, which is not a mapping"),
    (
        "train_ppo",
        ["--terrain", "rough", "--set", "terrain.generator.num_rows=0"],
        "num_rows and num_cols must be >= 1",
    ),
    (
        "train_ppo",
        ["--task", "go2-rough", "--set", "terrain.generator.sub_terrains.boxes.grid_hight=1"],
        "unknown keys grid_hight",
    ),
    (
        "train_ppo",
        ["--task", "go2-rough", "--set", "terrain.spawn_xy=-1"],
        "config key 'terrain.spawn_xy' must be >= 0 (m), got -1.0",
    ),
    ("train_ppo", ["--task", "ballu", "--terrain", "rough"], "BalluTask runs on the flat floor only"),
    # collect_trajectories.py
    ("collect", ["--checkpoint", "{run}", "--num_episodes", "ten"], "argument --num_episodes: invalid int value"),
    ("collect", ["--checkpoint", "{run}", "--num_envs", "0"], "--num_envs must be >= 1, got 0"),
    ("collect", ["--checkpoint", "{run}", "--action_noise", "-0.1"], "--action_noise must be >= 0, got -0.1"),
    ("collect", ["--checkpoint", "{run}", "--compression", "zip"], "argument --compression: invalid choice: 'zip'"),
    ("collect", ["--checkpoint", "{run}", "--threads", "-2"], "argument --threads: must be >= 1, got -2"),
    ("collect", ["--checkpoint", "{run}", "--command", "1", "0", "0", "0.3", "0", "9"], "--command takes 1 to 5"),
    ("collect", ["--checkpoint", "{broken}"], "cfgs.pkl is damaged or truncated"),
    ("collect", ["--checkpoint", "missing/model_1.pt"], "checkpoint not found: missing/model_1.pt"),
    ("collect", ["--checkpoint", "{run}", "--device", "bogus"], "unsupported device 'bogus' (use cpu or cuda:N)"),
    ("collect", [], "the following arguments are required: --checkpoint"),
    ("collect", ["--checkpoint", "{run}", "--terrain", "hills"], "argument --terrain: invalid choice: 'hills'"),
    (
        "collect",
        ["--checkpoint", "{run}", "--set", "env.sim_dt=0.01"],
        "--set here takes terrain.KEY=VALUE, got 'env.sim_dt=0.01'",
    ),
    pytest.param("collect", ["--checkpoint", "{run}", "--device", "cuda:0"], "torch sees no CUDA GPU", marks=NO_CUDA),
    # sim2sim.py
    ("sim2sim", ["--duration", "long"], "argument --duration: invalid float value: 'long'"),
    ("sim2sim", ["--backend", "bullet"], "argument --backend: invalid choice: 'bullet'"),
    ("sim2sim", ["--num_envs", "0"], "num_envs must be >= 1, got 0"),
    ("sim2sim", ["--duration", "1", "--settle", "2"], "need 0 <= settle (2.0 s) < duration (1.0 s)"),
    ("sim2sim", ["--policy", "none.pt", "--config", "none.yaml"], "config file not found: none.yaml"),
    ("sim2sim", ["--terrain", "flat", "--terrain_start", "5"], "--terrain_start must lie inside the sub-terrain"),
    ("sim2sim", ["--terrain", "flat", "--terrain_start", "nan"], "(|M| < 4 m), got nan"),
    # play.py
    ("play", ["--checkpoint", "{run}", "--duration", "long"], "argument --duration: invalid float value: 'long'"),
    ("play", ["--checkpoint", "{run}", "--num_envs", "0"], "--num_envs must be >= 1, got 0"),
    ("play", ["--checkpoint", "{run}", "--backend", "physx"], "argument --backend: invalid choice: 'physx'"),
    ("play", ["--checkpoint", "{run}", "--duration", "-1"], "--duration must be > 0, got -1.0"),
    ("play", ["--checkpoint", "{run}", "--command", "1", "0", "0", "0.3", "0", "9"], "--command takes 1 to 5"),
    ("play", ["--checkpoint", "{broken}"], "cfgs.pkl is damaged or truncated"),
    ("play", ["--checkpoint", "{run}", "--task", "ballu"], "does not match the run's task 'go2'"),
    ("play", ["--checkpoint", "missing/model_1.pt"], "checkpoint not found: missing/model_1.pt"),
    ("play", ["--checkpoint", "{run}", "--device", "cuda:x"], "unsupported device 'cuda:x' (use cpu or cuda:N)"),
    ("play", [], "the following arguments are required: --checkpoint"),
    pytest.param("play", ["--checkpoint", "{run}", "--device", "cuda:1"], "torch sees no CUDA GPU", marks=NO_CUDA),
]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> str:
    """A run folder: cfgs.pkl and a model_1.pt that is never read (every error comes first)."""
    folder = tmp_path_factory.mktemp("run")
    with open(folder / "cfgs.pkl", "wb") as handle:
        pickle.dump({"task": "go2", **to_dict(task_config("go2")), "train": train_config("go2")}, handle)
    (folder / "model_1.pt").write_bytes(b"not read")
    return str(folder / "model_1.pt")


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> str:
    """A run folder whose cfgs.pkl was cut short (a full disk, an interrupted copy)."""
    folder = tmp_path_factory.mktemp("broken")
    data = pickle.dumps({"task": "go2", **to_dict(task_config("go2")), "train": train_config("go2")})
    (folder / "cfgs.pkl").write_bytes(data[:100])
    (folder / "model_1.pt").write_bytes(b"not read")
    return str(folder)


@pytest.mark.parametrize("entry, args, message", CASES)
def test_bad_input_is_one_line_and_status_2(entry, args, message, run, broken, tmp_path, capsys):
    argv = [a.format(run=run, broken=broken) for a in args]
    if entry != "sim2sim":
        argv = ["--device", "cpu", *argv]
    if entry == "train_ppo":
        argv += ["--log_root", str(tmp_path)]
    with pytest.raises(SystemExit) as exit_info:
        MAINS[entry](argv)
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err, err
    assert out == "" and not os.listdir(tmp_path)  # nothing started, nothing written


@pytest.mark.parametrize(
    "script, args",
    [
        ("train_ppo.py", ["--num_envs", "many"]),
        ("collect_trajectories.py", ["--checkpoint", "x.pt", "--num_envs", "many"]),
        ("sim2sim.py", ["--num_envs", "many"]),
        ("play.py", ["--checkpoint", "x.pt", "--num_envs", "many"]),
        (os.path.join("benchmarks", "bench_env.py"), ["--num_envs", "many"]),
    ],
)
def test_a_whole_process_prints_only_the_error_line(script, args):
    """What a user sees: no usage block, no import-time noise, no traceback."""
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, script), *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "error: argument --num_envs: invalid int value: 'many'\n"
