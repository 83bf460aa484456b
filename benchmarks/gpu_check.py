"""One command that proves the GPU path and measures it, into one report, within --time_limit
(default 540 s, for a 10-minute slot with a cold compile cache).

Steps, each timed; a failing step is recorded with its reason and the others still run; exit status
1 if any failed; a step that would start past the time limit is skipped (and said so):
versions and devices; the CUDA tests (tests/test_cuda.py); MJX on the device against MJX on the CPU
(25 Go2 steps, the same actions, tests/test_backends.py's tolerance; on a GPU also at JAX's default
matmul precision, which is TF32 there); host waits (a training iteration's rollout queued while the
GPU is still busy); a go2 training run at 4096 envs bounded by --train_seconds (Ctrl-C is sent at
the limit, train_ppo.py then saves its checkpoint); its learning curve; a sim2sim sweep of its last
checkpoint; bench_env.py at 4096/8192 envs with MJX; bench_train.py at 4096; bench_env.py with
MJX-Warp (last: the slowest to compile and the likeliest to fail, its failure comes with a hint).
Writes <out>/report.md and <out>/report.json after every step, and keeps the run, the curve and the
sim2sim report in <out>.

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
import tempfile
import time
from datetime import datetime
from importlib.metadata import version

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import legged_mjx  # noqa: F401,E402  (before jax)

import jax  # noqa: E402
import mujoco  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from benchmarks import common  # noqa: E402
from env_wrapper import make_env  # noqa: E402
from legged_mjx.backends import resolve_backend  # noqa: E402
from legged_mjx.checklog import CheckLog, StepFailed, run_command  # noqa: E402
from legged_mjx.cli import ArgumentParser  # noqa: E402
from legged_mjx.devices import jax_device_for  # noqa: E402
from legged_mjx.errors import UserError, exit_on_user_error  # noqa: E402
from legged_mjx.run_folders import resolve_checkpoint  # noqa: E402
from legged_mjx.tasks import train_config  # noqa: E402
from legged_mjx.training import Runner  # noqa: E402
from tests.test_backends import TOLERANCES, rollout, task_and_actions  # noqa: E402

EXPERIMENT = "gpu_check"
# full run on a GPU, and the tiny CPU run CI exercises
SETTINGS = {
    False: {"bench_envs": [4096, 8192], "bench_args": [], "train_envs": 4096, "bench_iterations": 5,
            "iterations": 1000, "train_seconds": 150.0, "time_limit": 540.0, "host_wait_envs": 1024,
            "sim2sim": ["--num_envs", "64", "--duration", "10"]},
    True: {"bench_envs": [64], "bench_args": ["--steps", "2", "--repeats", "1", "--warmup", "2"], "train_envs": 64,
           "bench_iterations": 1, "iterations": 2, "train_seconds": 300.0, "time_limit": 1800.0, "host_wait_envs": 64,
           "sim2sim": ["--num_envs", "2", "--duration", "2", "--settle", "0.5", "--sweep", "forward=0.5"]},
}  # fmt: skip
MIN_STEP_SECONDS = 20.0  # a step that would start with less time left is skipped
CURVE_AND_SIM2SIM_SECONDS = 120.0  # kept for them when the training run's time is set
WARP_HINT = (
    "hint: on CUDA, MJX-Warp captures Warp CUDA graphs inside JAX (graph mode WARP, within the jax.lax.scan of "
    "substeps), a path the CPU tests (graph mode JAX) never ran, and one with public failures (NVIDIA/warp#1053, "
    "#1039; google-deepmind/mujoco#3191). A cold Warp kernel cache (~/.cache/warp) compiles for minutes: if the step "
    "ran out of time, run gpu_check again. Train with --backend mjx (the CUDA default); docs/warp_notes.md"
)


def script(*parts) -> list:
    return [sys.executable, os.path.join(ROOT, *parts)]


def last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def checked(command: list, timeout: float, ok=(0,), hint: str = "") -> str:
    """Run a command; an exit status outside `ok` fails the step, with the command's last output line
    (its error) and `hint`. Returns its output."""
    status, output, stopped = run_command(command, timeout)
    if status not in ok:
        why = f"stopped at its time limit of {timeout:.0f} s" if stopped else f"exit status {status}"
        raise StepFailed(f"{why}: {last_line(output)}" + (f"; {hint}" if hint else ""))
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


def largest_differences(ours: list, theirs: list) -> dict:
    """Largest |difference| of two rollouts (tests/test_backends.py's): qpos, observations, reward
    terms; and the control steps whose terminations or truncations differ."""
    pairs = list(zip(ours, theirs))
    return {
        "qpos": max(float(np.abs(a[4] - b[4]).max()) for a, b in pairs),
        "obs": max(float(np.abs(a[0][g] - b[0][g]).max()) for a, b in pairs for g in a[0]),
        "reward terms": max(float(np.abs(a[1][t] - b[1][t]).max()) for a, b in pairs for t in a[1]),
        "steps with other dones": [
            k for k, (a, b) in enumerate(pairs) if not (np.array_equal(a[2], b[2]) and np.array_equal(a[3], b[3]))
        ],
    }


def mjx_agreement(device: str) -> tuple[dict, str, None]:
    """MJX on `device` against MJX on the CPU: 25 Go2 control steps of 4 environments from the same
    reset with the same actions (tests/test_backends.py's rollout), within that test's tolerance (the
    CPU's float32 rounding, amplified by contacts). On a GPU also at JAX's default matmul precision
    (TF32 on Ampere and later), reported only, to show what `highest` (legged_mjx's default) avoids."""
    task, actions = task_and_actions("go2")
    reference = rollout(task, "mjx", actions, jax.devices("cpu")[0])
    qpos_tol, obs_tol = TOLERANCES["go2"]
    precisions = ["highest", "default"] if device.startswith("cuda") else ["highest"]
    figures, found = {"tolerance": f"|dqpos| <= {qpos_tol}, |dobs| <= {obs_tol}"}, {}
    for precision in precisions:
        with jax.default_matmul_precision(precision):
            found[precision] = largest_differences(reference, rollout(task, "mjx", actions, jax_device_for(device)))
        figures[f"{device} at {precision} precision"] = found[precision]
    worst = found["highest"]
    outside = worst["qpos"] > qpos_tol or max(worst["obs"], worst["reward terms"]) > obs_tol
    if outside or worst["steps with other dones"]:
        raise StepFailed(f"MJX on {device} leaves the CPU tolerance: {worst}")
    return figures, "", None


def host_wait(device: str, num_envs: int) -> tuple[dict, str, None]:
    """With 2 s of GPU work queued first: one env.step, then a whole training iteration's rollout
    (policy, env step, storage, logging) of go2 on `device` must be queued before that work ends,
    i.e. the host never waits for the GPU (tests/test_cuda.py asserts the same). The step alone tells
    a wait inside the physics (an XLA while loop whose condition is read on the host: MJX's solver
    loop) from one in the runner."""
    env = make_env("go2", num_envs=num_envs, device=device, seed=0)
    train = train_config("go2")
    with tempfile.TemporaryDirectory() as log_dir:  # a run folder: the logger does its per-step work
        runner = Runner(env, train, log_dir=log_dir, device=device)
        runner.learn(1)  # compile
        actions = torch.zeros(num_envs, env.num_actions, device=device)
        torch.cuda.synchronize()
        busy, start = common.gpu_sleep(2.0), time.perf_counter()
        env.step(actions)
        step_busy, step_seconds = not busy.query(), time.perf_counter() - start
        torch.cuda.synchronize()
        rollout_busy, rollout_seconds = common.rollout_returns_while_gpu_busy(runner, 2.0)
    figures = {
        "env.step": f"returned after {step_seconds * 1000:.1f} ms, GPU still busy: {step_busy}",
        "rollout": f"{train['num_steps_per_env']} steps x {num_envs} envs queued in {rollout_seconds * 1000:.0f} ms"
        f" of host time, GPU still busy: {rollout_busy}",
    }
    if not (step_busy and rollout_busy):
        where = "env.step (the physics)" if not step_busy else "the runner's rollout"
        raise StepFailed(f"{where} waited for the GPU: a host synchronisation ({figures})")
    return figures, "", None


def bench_env(device: str, num_envs: list, extra: list, backend: str, timeout: float) -> tuple[dict, str, list]:
    command = script("benchmarks", "bench_env.py") + ["--task", "go2", "--device", device, "--num_envs"]
    command += [str(n) for n in num_envs] + extra + ["--backend", backend]
    output = checked(command, timeout, hint=WARP_HINT if backend == "warp" else "")
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
    checkpoint = resolve_checkpoint(None, log_root=log_root, experiment=EXPERIMENT)
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


class Budget:
    """The check's time limit: what each step may still use."""

    def __init__(self, seconds: float, step_timeout: float):
        self.seconds, self.step_timeout, self.end = seconds, step_timeout, time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def timeout(self, reserve: float = 0.0) -> float:
        """A subprocess step's time limit: --step_timeout, or what is left after `reserve` seconds."""
        return max(MIN_STEP_SECONDS, min(self.step_timeout, self.left() - reserve))


@exit_on_user_error
def main(argv=None) -> None:
    parser = ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cuda:0", help="cuda:N or cpu")
    parser.add_argument("--small", action="store_true", help="tiny settings (64 envs, 2 iterations): for CI")
    parser.add_argument("--out", default=None, help="report folder (default reports/gpu_check-<date_time>)")
    parser.add_argument(
        "--train_seconds", type=float, default=None, help="time limit of the training run (default 150, --small 300)"
    )
    parser.add_argument("--step_timeout", type=float, default=480.0, help="time limit of every other step (s)")
    parser.add_argument(
        "--time_limit", type=float, default=None, help="of the whole check, s (default 540, --small 1800)"
    )
    args = parser.parse_args(argv)
    jax_device_for(args.device)
    settings = SETTINGS[args.small]
    out = args.out or os.path.join("reports", f"gpu_check-{datetime.now().strftime('%Y-%m-%d_%H-%M-%S')}")
    if os.path.exists(os.path.join(out, "report.json")):
        raise UserError(f"{out} already holds a report: give another --out")
    budget = Budget(args.time_limit or settings["time_limit"], args.step_timeout)
    header = {"device": args.device, "small": args.small, "time limit (s)": budget.seconds}
    log = CheckLog(out, "gpu_check", {**header, "command": " ".join(sys.argv)})
    cuda = args.device.startswith("cuda")

    def run(name: str, step) -> dict | None:
        """Step `name` (a function of no arguments), unless the time limit leaves too little for it."""
        if budget.left() < MIN_STEP_SECONDS:
            log.skip(name, f"the time limit of {budget.seconds:.0f} s was spent (--time_limit)")
            return None
        return log.run(name, step)

    run("versions", lambda: versions(args.device))
    if cuda:
        run("cuda tests", lambda: cuda_tests(budget.timeout()))
    else:
        log.skip("cuda tests", "--device cpu: tests/test_cuda.py needs a GPU")
    run("mjx cpu vs device", lambda: mjx_agreement(args.device))
    if cuda:
        run("host wait", lambda: host_wait(args.device, settings["host_wait_envs"]))
    else:
        log.skip("host wait", "--device cpu: it queues GPU work")
    train_seconds = args.train_seconds or settings["train_seconds"]
    trained = run(
        "train",
        lambda: train(
            args.device,
            settings["train_envs"],
            settings["iterations"],
            min(train_seconds, budget.timeout(reserve=CURVE_AND_SIM2SIM_SECONDS)),
            out,
        ),
    )
    if trained:
        run_dir = os.path.dirname(trained["checkpoint"])
        run("curve", lambda: curve(run_dir, os.path.join(out, "curve.png"), budget.timeout()))
        checkpoint, sweep, sim2sim_out = trained["checkpoint"], settings["sim2sim"], os.path.join(out, "sim2sim")
        run("sim2sim", lambda: sim2sim(checkpoint, args.device, sweep, sim2sim_out, budget.timeout()))
    else:
        for name in ("curve", "sim2sim"):
            log.skip(name, "no checkpoint: the train step failed or was skipped")
    bench = settings["bench_envs"], settings["bench_args"]
    run("bench_env mjx", lambda: bench_env(args.device, *bench, "mjx", budget.timeout()))
    run(
        "bench_train",
        lambda: bench_train(args.device, settings["train_envs"], settings["bench_iterations"], budget.timeout()),
    )
    if importlib.util.find_spec("warp"):
        run("bench_env warp", lambda: bench_env(args.device, *bench, "warp", budget.timeout()))
    else:
        log.skip("bench_env warp", "warp-lang is not installed")
    print(
        f"[gpu_check] report: {os.path.join(out, 'report.md')}"
        + (f"; FAILED: {', '.join(log.failed)}" if log.failed else "")
        + (f"; SKIPPED: {', '.join(log.skipped)}" if log.skipped else "")
    )
    if log.failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
