"""Training iteration time with and without the companion evaluator beside it, in one run.

Runs train_ppo.py on the CPU twice with the same seed: alone, then with --eval_every N (eval_watch.py
with its defaults: one thread, niceness +10, 120 environments x 20 s of the task's sweep). Reports
the wall time per training iteration (rsl_rl's Perf/collection_time + Perf/learning_time, iteration
0 left out: it compiles) of each and their ratio, and the evaluator's wall and CPU seconds per
evaluation (<run>/eval/state.json), with the load average around each run: on a shared machine the
ratio moves with what else runs.

    python benchmarks/bench_eval_watch.py --num_envs 512 --iterations 300 --eval_every 100
    python benchmarks/bench_eval_watch.py --num_envs 512 --iterations 40 --eval_every 10   # 10x denser, quicker
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

from benchmarks import common  # noqa: E402
from legged_mjx.cli import at_least  # noqa: E402
from legged_mjx.errors import exit_on_user_error  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def iteration_times(run_dir: str) -> list:
    """Wall seconds of each training iteration after the first, from the run's TensorBoard."""
    events = EventAccumulator(run_dir, size_guidance={"scalars": 0}).Reload()
    collect, learn = (events.Scalars(f"Perf/{name}_time") for name in ("collection", "learning"))
    return [c.value + lr.value for c, lr in zip(collect, learn) if c.step > 0]


def train(args, log_root: str, evaluator: bool) -> dict:
    """One train_ppo.py run; its iteration times, process wall and CPU time, load averages."""
    command = [sys.executable, os.path.join(ROOT, "train_ppo.py"), "--device", "cpu", "--task", args.task]
    command += ["--num_envs", str(args.num_envs), "--max_iterations", str(args.iterations), "--seed", "1"]
    command += ["--set", f"train.save_interval={args.eval_every}", "--log_root", log_root, "--exp_name", "bench"]
    if evaluator:
        command += ["--eval_every", str(args.eval_every), "--eval_args", args.eval_args]
    load, cpu, started = os.getloadavg()[0], resource.getrusage(resource.RUSAGE_CHILDREN), time.time()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    (run_dir,) = (os.path.join(log_root, "bench", name) for name in os.listdir(os.path.join(log_root, "bench")))
    return {
        "times": iteration_times(run_dir),
        "wall_s": time.time() - started,
        "cpu_s": used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime,  # the evaluator's included
        "load": (load, os.getloadavg()[0]),
        "run_dir": run_dir,
    }


def evaluations(run_dir: str) -> list:
    with open(os.path.join(run_dir, "eval", "state.json"), encoding="utf-8") as handle:
        return [e for e in json.load(handle)["evaluated"].values() if "cpu_s" in e]


@exit_on_user_error
def main():
    parser = common.benchmark_parser(__doc__)
    parser.add_argument("--num_envs", type=int, default=512)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--eval_every", type=int, default=100, help="iterations between evaluations (and saves)")
    parser.add_argument("--eval_args", default="", help="more eval_watch.py options")
    parser.add_argument("--out", default=None, help="keep the two runs here (default: a temporary folder)")
    args = parser.parse_args()
    at_least(args, 1, "num_envs", "iterations", "eval_every")
    print(f"machine: {common.machine()}; {args.task}, {args.num_envs} envs, {args.iterations} iterations")
    with tempfile.TemporaryDirectory() as scratch:
        out = args.out or scratch
        runs = {name: train(args, os.path.join(out, name), name == "with") for name in ("alone", "with")}
        evals = evaluations(runs["with"]["run_dir"])
    means = {name: statistics.mean(run["times"]) for name, run in runs.items()}
    print("| training | s / iteration (mean) | median | process wall s | process CPU s | load average before, after |")
    print("|---|---|---|---|---|---|")
    for name, run in runs.items():
        label = "alone" if name == "alone" else f"with eval_watch every {args.eval_every} iterations"
        print(
            f"| {label} | {means[name]:.3f} | {statistics.median(run['times']):.3f} | {run['wall_s']:.0f}"
            f" | {run['cpu_s']:.0f} | {run['load'][0]:.1f}, {run['load'][1]:.1f} |"
        )
    print(f"\niteration time with / without the evaluator: {means['with'] / means['alone']:.3f}")
    wall, cpu = (statistics.mean(e[key] for e in evals) for key in ("wall_s", "cpu_s"))
    print(f"evaluator: {len(evals)} evaluations, {wall:.1f} s wall and {cpu:.1f} s CPU each (mean)")


if __name__ == "__main__":
    main()
