"""torchrun launches: each rank's device and seed, and one-line errors for inconsistent launches."""

import os
import subprocess
import sys
import textwrap

import pytest
import torch

import train_ppo
from legged_mjx import distributed
from legged_mjx.jobs import train_ppo as train_job
from legged_mjx.errors import UserError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCHRUN = {"WORLD_SIZE": "4", "RANK": "3", "LOCAL_RANK": "1"}  # second process of the second node


def test_each_rank_takes_its_local_gpu_and_its_own_seed():
    launch = distributed.torchrun_launch(TORCHRUN, device=None, visible_gpus=2)
    assert (launch.device, launch.rank, launch.local_rank, launch.world_size) == ("cuda:1", 3, 1, 4)
    assert not launch.is_main
    assert launch.seed(10) == 13
    main = distributed.torchrun_launch({"WORLD_SIZE": "4", "RANK": "0", "LOCAL_RANK": "0"}, "cuda", 2)
    assert main.is_main and main.device == "cuda:0" and main.seed(10) == 10


def test_a_device_that_names_the_local_rank_is_accepted():
    assert distributed.torchrun_launch(TORCHRUN, device="cuda:1", visible_gpus=2).device == "cuda:1"


@pytest.mark.parametrize(
    "environ, device, gpus, message",
    [
        ({"WORLD_SIZE": "2", "RANK": "0"}, None, 2, "LOCAL_RANK not set"),
        ({}, None, 2, "WORLD_SIZE, RANK, LOCAL_RANK not set"),
        ({**TORCHRUN, "RANK": "x"}, None, 2, "RANK='x' is not an integer"),
        ({**TORCHRUN, "RANK": "4"}, None, 2, "inconsistent torchrun launch"),
        ({**TORCHRUN, "LOCAL_RANK": "-1"}, None, 2, "inconsistent torchrun launch"),
        (TORCHRUN, "cpu", 2, "not on --device cpu"),
        (TORCHRUN, "cuda:0", 2, "--device cuda:0 disagrees with LOCAL_RANK=1"),
        (TORCHRUN, None, 1, "LOCAL_RANK=1 but this node has 1 visible CUDA GPU"),
        (TORCHRUN, None, 0, "0 visible CUDA GPU"),
    ],
)
def test_inconsistent_launches_are_user_errors(environ, device, gpus, message):
    with pytest.raises(UserError, match=message):
        distributed.torchrun_launch(environ, device, gpus)


def test_a_single_process_run_keeps_its_device_and_seed():
    launch = distributed.start(False, None)
    assert (launch.device, launch.rank, launch.world_size, launch.is_main) == ("cuda:0", 0, 1, True)
    assert launch.seed(7) == 7
    assert distributed.start(False, "cpu").device == "cpu"


def test_start_reads_torchrun_variables(monkeypatch):
    for name in distributed.TORCHRUN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(UserError, match="needs torchrun"):
        distributed.start(True, None)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("LOCAL_RANK", "1")
    with pytest.raises(UserError, match="LOCAL_RANK=1 but this node has 1"):
        distributed.start(True, None)


@pytest.mark.parametrize(
    "environ, argv, message",
    [
        ({}, ["--distributed"], "error: --distributed needs torchrun"),
        ({"WORLD_SIZE": "2", "RANK": "0", "LOCAL_RANK": "0"}, ["--distributed", "--device", "cpu"], "not on --device"),
    ],
)
def test_train_ppo_reports_a_bad_launch_in_one_line(monkeypatch, capsys, tmp_path, environ, argv, message):
    for name in distributed.TORCHRUN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_info:
        train_ppo.main([*argv, "--log_root", str(tmp_path)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing was written


def test_a_rank_other_than_0_trains_with_its_own_seed_and_writes_nothing(monkeypatch, capsys, tmp_path):
    """train_ppo.py as rank 1 of 2 (the process group itself is rsl_rl's and needs GPUs: it is left out
    here by keeping WORLD_SIZE unset, so the runner trains alone)."""
    for name in distributed.TORCHRUN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    rank_1 = distributed.Launch(device="cpu", rank=1, local_rank=0, world_size=2)
    monkeypatch.setattr(distributed, "start", lambda enabled, device: rank_1 if enabled else None)
    seeds = []
    real_vec_env = train_job.LeggedVecEnv

    def vec_env(task, num_envs, device, seed, *args, **kwargs):
        seeds.append(seed)
        return real_vec_env(task, num_envs, device, seed, *args, **kwargs)

    monkeypatch.setattr(train_job, "LeggedVecEnv", vec_env)
    train_ppo.main(
        ["--distributed", "--num_envs", "8", "--max_iterations", "1", "--seed", "5", "--log_root", str(tmp_path)]
    )
    assert seeds == [6]
    assert not list(tmp_path.iterdir())  # no run folder, checkpoint, events or export
    assert "rank 1 of 2 (rank 0 logs)" in capsys.readouterr().out


def test_a_rank_restricts_jax_to_its_gpu_before_any_jax_backend_starts():
    """Each rank's JAX opens only cuda:LOCAL_RANK (jax_cuda_visible_devices), which JAX honours only
    if set before its backends start: after every import train_ppo.py makes, in a fresh process."""
    code = textwrap.dedent(
        """
        import torch
        import train_ppo  # every import of the entry point
        from jax._src import xla_bridge
        from legged_mjx import distributed
        from legged_mjx.errors import UserError

        print("started after imports:", xla_bridge.backends_are_initialized())
        torch.cuda.device_count = lambda: 2
        torch.cuda.set_device = lambda index: print("set_device", index)
        try:
            distributed.start(True, None)
        except UserError as error:  # this machine has no such GPU: said after the restriction
            print("error:", error)
        print("visible:", xla_bridge.CUDA_VISIBLE_DEVICES.value)
        """
    )
    environ = {**os.environ, "WORLD_SIZE": "2", "RANK": "1", "LOCAL_RANK": "1"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "started after imports: False" in lines and "set_device 1" in lines and "visible: 1" in lines
