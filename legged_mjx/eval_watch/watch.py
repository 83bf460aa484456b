"""The loop: find the run's checkpoints that are due and not yet evaluated, judge them oldest first,
record each (eval/<it>/ report, state, best.pt, Eval/ scalars), then wait for more, until the run is
finished: training exported its policy (train_ppo.py's last step, after the final checkpoint), or
the followed process (the trainer that started the watcher) is gone, or `once`."""

import os
import time
from dataclasses import dataclass

from legged_mjx.eval_watch.checkpoints import checkpoints, due, link_best
from legged_mjx.eval_watch.judge import CheckpointError
from legged_mjx.eval_watch.scores import eval_scalars
from legged_mjx.eval_watch.state import WatchState


@dataclass
class Options:
    every: int = 1  # evaluate one regular checkpoint in `every`
    once: bool = False  # evaluate what is there, then return
    follow_pid: int | None = None  # also stop when this process has ended
    poll_s: float = 10.0  # s between looks at the folder
    command_line: str = "python eval_watch.py <run>"  # the watcher's, written into each report


def training_finished(run_dir: str, follow_pid: int | None) -> bool:
    """The run exported its policy, or the followed process has ended."""
    if os.path.isfile(os.path.join(run_dir, "exported", "policy.onnx")):
        return True
    if follow_pid is None:
        return False
    try:
        os.kill(follow_pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


@dataclass
class Watcher:
    run_dir: str
    judge: object  # judge.Judge: (checkpoint, out_dir, command_line) -> report
    state: WatchState
    sinks: list  # sinks.TensorBoardSink, sinks.WandbSink
    save_interval: int  # iterations between the run's regular checkpoints
    options: Options
    log: object  # print-like, one line per checkpoint

    def pending(self) -> list:
        """(iteration, path) of the due checkpoints not in the state yet, oldest first."""
        found = checkpoints(self.run_dir)
        return [
            (it, found[it])
            for it in due(found, self.options.every, self.save_interval)
            if it not in self.state.evaluated
        ]

    def evaluate(self, iteration: int, path: str) -> None:
        """Judge one checkpoint; record it in the state, best.pt and the sinks. A checkpoint the
        evaluation rejects (CheckpointError: it does not load or does not fit) is recorded with its error."""
        started, started_cpu = time.time(), time.process_time()
        out_dir = os.path.join(self.run_dir, "eval", str(iteration))
        try:
            report = self.judge(path, out_dir, self.options.command_line)
        except CheckpointError as error:
            self.state.record(iteration, {"error": str(error)})
            self.log(f"model_{iteration}.pt: not evaluated: {error}")
            return
        scalars = eval_scalars(report)
        entry = {
            "score": scalars["Eval/score"],
            "passed": report["verdict"]["passed"],
            "wall_s": round(time.time() - started, 1),
            "cpu_s": round(time.process_time() - started_cpu, 1),  # every thread of this process
        }
        if self.state.record(iteration, entry):
            link_best(self.run_dir, iteration)
        for sink in self.sinks:
            sink.log(iteration, scalars)
        failed = len(report["verdict"]["failed"])
        verdict = "PASS" if entry["passed"] else f"FAIL ({failed} of {len(report['checks'])} checks)"
        self.log(
            f"model_{iteration}.pt: score {entry['score']:.3f}, fall rate {scalars['Eval/fall_rate']:.2f}, {verdict}"
            f" ({entry['wall_s']:.0f} s, {entry['cpu_s']:.0f} s CPU; best: model_{self.state.best}.pt)"
        )

    def run(self) -> None:
        """Evaluate the due checkpoints as they appear until the run is finished (module docstring)."""
        while True:
            finished = self.options.once or training_finished(self.run_dir, self.options.follow_pid)
            for iteration, path in self.pending():
                self.evaluate(iteration, path)
            if finished:
                return
            time.sleep(self.options.poll_s)
