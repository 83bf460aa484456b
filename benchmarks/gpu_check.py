"""One command that proves the GPU path and measures it, into one report (about 10 minutes on one H100).

Steps, each timed; a failing step is recorded and the others still run; exit status 1 if any failed:
versions and devices; the CUDA tests (tests/test_cuda.py); bench_env.py at 1024/4096/8192 envs for
every GPU backend; bench_train.py at 4096 envs; a go2 training run at 4096 envs bounded by
--train_seconds (Ctrl-C is sent at the limit, train_ppo.py then saves its checkpoint); its learning
curve; a sim2sim sweep of its last checkpoint. Writes <out>/report.md and <out>/report.json after
every step, and keeps the run, the curve and the sim2sim report in <out>.

    python benchmarks/gpu_check.py                       # cuda:0, into reports/gpu_check-<date_time>
    python benchmarks/gpu_check.py --device cpu --small  # the same steps, tiny (CI)
"""

import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from datetime import datetime
from importlib.metadata import version

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import legged_mjx  # noqa: F401,E402  (before jax)

import jax  # noqa: E402
import mujoco  # noqa: E402
import torch  # noqa: E402

from benchmarks import common  # noqa: E402
from legged_mjx.backends import resolve_backend  # noqa: E402
from legged_mjx.checklog import CheckLog, StepFailed, run_command  # noqa: E402
from legged_mjx.cli import ArgumentParser  # noqa: E402
from legged_mjx.devices import jax_device_for  # noqa: E402
from legged_mjx.errors import UserError, exit_on_user_error  # noqa: E402
from legged_mjx.training import latest_checkpoint  # noqa: E402

EXPERIMENT = "gpu_check"
# full run on a GPU, and the tiny CPU run CI exercises
SETTINGS = {
    False: {"bench_envs": [1024, 4096, 8192], "bench_args": [], "train_envs": 4096, "bench_iterations": 5,
            "iterations": 1000, "train_seconds": 180.0, "sim2sim": ["--num_envs", "64", "--duration", "10"]},
    True: {"bench_envs": [64], "bench_args": ["--steps", "2", "--repeats", "1", "--warmup", "2"], "train_envs": 64,
           "bench_iterations": 1, "iterations": 2, "train_seconds": 300.0,
           "sim2sim": ["--num_envs", "2", "--duration", "2", "--settle", "0.5", "--sweep", "forward=0.5"]},
}  # fmt: skip


def script(*parts) -> list:
    return [sys.executable, os.path.join(ROOT, *parts)]


def checked(command: list, timeout: float, ok=(0,)) -> str:
    """Run a command; an exit status outside `ok` fails the step. Returns its output."""
    status, output, _ = run_command(command, timeout)
    if status not in ok:
        raise StepFailed(f"exit status {status}")
    return output


def versions(device: str) -> tuple[dict, str, None]:
    """Library versions and what the devices are (GPU name, memory, driver)."""
    figures = {
        "python": platform.python_version(),
        "machine": common.machine(),
        **{name: version(name) for name in ("jax", "jaxlib", "torch", "mujoco-mjx", "rsl-rl-lib", "tensordict")},
        "mujoco": mujoco.__version__,
        "warp-lang": version("warp-lang") if importlib.util.find_spec("warp") else "not installed",
        "torch CUDA": torch.version.cuda,
        "torch cuDNN": torch.backends.cudnn.version() if torch.cuda.is_available() else None,
        "jax devices": [str(d) for d in jax.devices()],
    }
    if device.startswith("cuda"):
        props = torch.cuda.get_device_properties(torch.device(device))
        figures["gpu"] = (
            f"{props.name}, {props.total_memory / 2**30:.1f} GiB, compute capability {props.major}.{props.minor}"
        )
    if shutil.which("nvidia-smi"):
        query = ["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"]
        figures["nvidia-smi"] = subprocess.run(query, capture_output=True, text=True).stdout.strip().splitlines()
    return figures, "", None


def cuda_tests(timeout: float) -> tuple[dict, str, list]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-rs",
        "-p",
        "no:cacheprovider",
        os.path.join(ROOT, "tests", "test_cuda.py"),
    ]
    status, output, _ = run_command(command, timeout)
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|skipped|error)", output.splitlines()[-1])}
    if status != 0:
        raise StepFailed(f"pytest exit status {status}: {counts}")
    return counts, output, command


def jax_backends() -> list:
    """The JAX physics backends (the GPU ones): mjx, and warp where warp-lang is installed."""
    return ["mjx"] + (["warp"] if importlib.util.find_spec("warp") else [])


def bench_env(device: str, num_envs: list, extra: list, backend: str, timeout: float) -> tuple[dict, str, list]:
    command = script("benchmarks", "bench_env.py") + ["--task", "go2", "--device", device, "--num_envs"]
    command += [str(n) for n in num_envs] + extra + ["--backend", backend]
    output = checked(command, timeout)
    rows = re.findall(r"^\s*\S+\s+\S+\s+(\d+)\s+([\d,]+)\s+([\d,]+)\s+([\d.]+)\s+\S+\s*$", output, re.MULTILINE)
    figures = {
        f"{n} envs": f"env {env} steps/s, bare physics {physics} steps/s, env/physics cost {ratio}"
        for n, env, physics, ratio in rows
    }
    return figures, output, command


def bench_train(device: str, num_envs: int, iterations: int, timeout: float) -> tuple[dict, str, list]:
    command = script("benchmarks", "bench_train.py") + ["--task", "go2", "--device", device]
    command += ["--num_envs", str(num_envs), "--iterations", str(iterations)]
    command += ["--backend", resolve_backend("auto", device)]
    output = checked(command, timeout)
    figures = {}
    if match := re.search(r"samples/s \(whole iteration\): ([\d,]+)", output):
        figures["samples/s"] = match.group(1)
    if match := re.search(r"per iteration: (.*)", output):
        figures["per iteration"] = match.group(1)
    return figures, output, command


def train(device: str, num_envs: int, iterations: int, seconds: float, log_root: str) -> tuple[dict, str, list]:
    """go2 training for `iterations`, or until `seconds` have passed (then Ctrl-C: a checkpoint is saved)."""
    command = script("train_ppo.py") + ["--task", "go2", "--device", device, "--num_envs", str(num_envs)]
    command += ["--max_iterations", str(iterations), "--exp_name", EXPERIMENT, "--log_root", log_root]
    status, output, stopped = run_command(command, seconds)
    if status != 0 and not (stopped and status == 130):
        raise StepFailed(f"exit status {status}")
    checkpoint = latest_checkpoint(log_root, EXPERIMENT)
    iteration = int(re.search(r"model_(\d+)\.pt$", checkpoint).group(1))
    figures = {"checkpoint": checkpoint, "iterations": iteration + 1, "stopped by the time limit": stopped}
    if match := re.findall(r"Mean reward:\s*(-?[\d.]+)", output):
        figures["last mean reward"] = float(match[-1])
    return figures, output, command


def curve(run_dir: str, out: str, timeout: float) -> tuple[dict, str, list]:
    command = script("scripts", "plot_training.py") + [run_dir, "--out", out, "--every", "10"]
    return {"png": out}, checked(command, timeout), command


def sim2sim(checkpoint: str, device: str, extra: list, out: str, timeout: float) -> tuple[dict, str, list]:
    """A sim2sim sweep of the checkpoint: the step fails on an error, not on a failed verdict."""
    command = script("sim2sim.py") + ["--checkpoint", checkpoint, "--device", device, "--out", out, *extra]
    output = checked(command, timeout, ok=(0, 1))
    with open(os.path.join(out, "report.json")) as handle:
        verdict = json.load(handle)["verdict"]
    return {"verdict": "pass" if verdict["passed"] else "fail", "report": out}, output, command


@exit_on_user_error
def main(argv=None) -> None:
    parser = ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cuda:0", help="cuda:N or cpu")
    parser.add_argument("--small", action="store_true", help="tiny settings (64 envs, 2 iterations): for CI")
    parser.add_argument("--out", default=None, help="report folder (default reports/gpu_check-<date_time>)")
    parser.add_argument(
        "--train_seconds", type=float, default=None, help="time limit of the training run (default 180, --small 300)"
    )
    parser.add_argument("--step_timeout", type=float, default=480.0, help="time limit of every other step (s)")
    args = parser.parse_args(argv)
    jax_device_for(args.device)
    settings = SETTINGS[args.small]
    out = args.out or os.path.join("reports", f"gpu_check-{datetime.now().strftime('%Y-%m-%d_%H-%M-%S')}")
    if os.path.exists(os.path.join(out, "report.json")):
        raise UserError(f"{out} already holds a report: give another --out")
    log = CheckLog(out, "gpu_check", {"device": args.device, "small": args.small, "command": " ".join(sys.argv)})
    timeout = args.step_timeout

    log.run("versions", versions, args.device)
    if args.device.startswith("cuda"):
        log.run("cuda tests", cuda_tests, timeout)
    else:
        log.skip("cuda tests", "--device cpu: tests/test_cuda.py needs a GPU")
    for backend in jax_backends():
        log.run(
            f"bench_env {backend}",
            bench_env,
            args.device,
            settings["bench_envs"],
            settings["bench_args"],
            backend,
            timeout,
        )
    log.run("bench_train", bench_train, args.device, settings["train_envs"], settings["bench_iterations"], timeout)
    seconds = args.train_seconds or settings["train_seconds"]
    trained = log.run("train", train, args.device, settings["train_envs"], settings["iterations"], seconds, out)
    if trained:
        run_dir = os.path.dirname(trained["checkpoint"])
        log.run("curve", curve, run_dir, os.path.join(out, "curve.png"), timeout)
        log.run(
            "sim2sim",
            sim2sim,
            trained["checkpoint"],
            args.device,
            settings["sim2sim"],
            os.path.join(out, "sim2sim"),
            timeout,
        )
    else:
        for name in ("curve", "sim2sim"):
            log.skip(name, "no checkpoint: the train step failed")
    print(
        f"[gpu_check] report: {os.path.join(out, 'report.md')}"
        + (f"; FAILED: {', '.join(log.failed)}" if log.failed else "")
    )
    if log.failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
