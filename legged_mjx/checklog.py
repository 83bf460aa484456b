"""A check made of timed steps: each step's status, time, figures and output, written as report.md and
report.json (atomically) after every step, so a report exists whatever happens to the later steps."""

import json
import os
import signal
import subprocess
import threading
import time
import traceback
from datetime import datetime

from legged_mjx.files import atomic_write

TAIL_LINES = 40


class StepFailed(Exception):
    """A step ran but its result is wrong; the message says what."""


def run_command(command: list, timeout: float, echo: bool = True) -> tuple[int, str, bool]:
    """Run a command, echoing its output as it comes; past `timeout` seconds send it SIGINT (our
    entry points save their work on Ctrl-C), then kill it a minute later.
    Returns (exit status, output, whether the time limit stopped it)."""
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}  # progress as it happens, not at exit
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment)
    lines = []

    def pump():
        for line in process.stdout:
            lines.append(line)
            if echo:
                print("    " + line, end="", flush=True)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    stopped = False
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        stopped = True
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    reader.join()
    return process.returncode, "".join(lines), stopped


class CheckLog:
    """Steps run in order into <out>/report.md and <out>/report.json."""

    def __init__(self, out_dir: str, title: str, header: dict):
        self.out_dir, self.title, self.header = out_dir, title, header
        self.steps = []
        self.started = datetime.now().isoformat(timespec="seconds")
        os.makedirs(out_dir, exist_ok=True)

    @property
    def failed(self) -> list:
        return [step["name"] for step in self.steps if step["status"] == "failed"]

    @property
    def skipped(self) -> list:
        return [step["name"] for step in self.steps if step["status"] == "skipped"]

    def run(self, name: str, fn, *args) -> dict | None:
        """Run fn(*args) -> (figures dict, output text, command or None) as step `name`; an exception
        marks it failed (with its message) and the check goes on. Returns the figures or None."""
        print(f"[check] {name} ...", flush=True)
        start = time.perf_counter()
        step = {"name": name, "status": "ok", "figures": {}, "output": "", "command": None, "error": None}
        try:
            step["figures"], step["output"], step["command"] = fn(*args)
        except Exception as error:  # noqa: BLE001  (a failing step is recorded, the others still run)
            step["status"], step["error"] = "failed", f"{type(error).__name__}: {error}"
            if not isinstance(error, StepFailed):
                step["output"] += traceback.format_exc()
        step["seconds"] = round(time.perf_counter() - start, 1)
        self.steps.append(step)
        print(
            f"[check] {name}: {step['status']} in {step['seconds']} s"
            + (f" ({step['error']})" if step["error"] else "")
        )
        self.write()
        return step["figures"] if step["status"] == "ok" else None

    def skip(self, name: str, reason: str) -> None:
        self.steps.append({"name": name, "status": "skipped", "seconds": 0.0, "figures": {}, "output": "",
                           "command": None, "error": reason})  # fmt: skip
        self.write()

    def report(self) -> dict:
        return {"title": self.title, "started": self.started, **self.header, "failed": self.failed, "steps": self.steps}

    def write(self) -> None:
        report = self.report()
        text = json.dumps(report, indent=2, default=str) + "\n"
        atomic_write(os.path.join(self.out_dir, "report.json"), lambda f: f.write(text.encode()))
        markdown = to_markdown(report)
        atomic_write(os.path.join(self.out_dir, "report.md"), lambda f: f.write(markdown.encode()))


def _tail(text: str) -> str:
    return "\n".join(text.rstrip().splitlines()[-TAIL_LINES:])


def to_markdown(report: dict) -> str:
    verdict = "FAILED: " + ", ".join(report["failed"]) if report["failed"] else "all steps passed"
    lines = [f"# {report['title']}: {verdict}", "", f"Started {report['started']}.", ""]
    for key, value in report.items():
        if key not in ("title", "started", "failed", "steps"):
            lines.append(f"- {key}: {json.dumps(value, default=str) if isinstance(value, (dict, list)) else value}")
    lines += ["", "| step | status | seconds |", "|---|---|---|"]
    lines += [f"| {s['name']} | {s['status']} | {s['seconds']} |" for s in report["steps"]]
    for step in report["steps"]:
        lines += ["", f"## {step['name']}: {step['status']} ({step['seconds']} s)", ""]
        if step["command"]:
            lines += [f"`{' '.join(step['command'])}`", ""]
        if step["error"]:
            lines += [f"**{step['error']}**", ""]
        lines += [f"- {key}: {value}" for key, value in step["figures"].items()]
        if step["output"]:
            lines += ["", "```", _tail(step["output"]), "```"]
    return "\n".join(lines) + "\n"
