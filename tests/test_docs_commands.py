"""Every `python <script> ...` (and `torchrun ... <script> ...`) command in README.md and docs/*.md
parses with its script's argument parser, so the documentation cannot drift from the flags.

Where commands are found: shell code blocks (fenced without a language or as bash/sh/shell/
console/text, and indented ones), with `\\` continuations joined, `# comments` dropped and `&&`/`;`
chains split, and inline code spans that start with `python` or `torchrun`. `python -m` and
`python -c` lines run no script and are skipped. Every docs/*.md is read, so a new page is checked
as soon as it exists.

How a command is parsed (no JAX or torch work beyond importing the script, once per script):
- a script with `parse_args(argv)` (the entry points) gets the documented arguments, so its
  post-parse range and file checks run too; any other script (benchmarks/, scripts/) runs its
  `main()` with those arguments until its parser returns, and stops there (a dry run);
- placeholders: `<name>` becomes `name` and `...` inside a path becomes `x`
  (`logs/go2-ppo-dynaflow/<run>/model_300.pt`, `.../policy.onnx`); a `...` standing alone means
  "the arguments of the previous command of the same script on the page" and is replaced by them
  (`python collect_trajectories.py ... --resume`);
- paths: the command runs in a temporary folder that stands for the repository root (with
  `shared/` beside it, so `../shared/fixtures/...` resolves there), in which every relative argument
  that names an input file (suffix .pt .onnx .yaml .yml .xml .h5 .pkl .json) is created empty: the
  test checks the flags and their values, not that a run or a fixture exists.
"""

import argparse
import importlib
import os
import re
import shlex
import sys
from dataclasses import dataclass

import pytest

from legged_mjx.errors import UserError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHELL_FENCES = {"", "bash", "sh", "shell", "console", "text"}
INPUT_SUFFIXES = (".pt", ".onnx", ".yaml", ".yml", ".xml", ".h5", ".pkl", ".json")
LAUNCHERS = {"python", "python3", "torchrun"}


@dataclass
class Command:
    page: str  # path relative to the repository root
    line: int  # 1-based line where the command starts
    script: str  # path relative to the repository root, e.g. benchmarks/bench_env.py
    args: list  # the documented arguments, placeholders untouched

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}:{self.script}"


def doc_pages() -> list:
    docs = os.path.join(ROOT, "docs")
    pages = sorted(name for name in os.listdir(docs) if name.endswith(".md"))
    return ["README.md"] + [f"docs/{name}" for name in pages]


class DocProblem(Exception):
    """A command line the test cannot read: reported by test_every_documented_command_is_read."""


def shell_lines(text: str) -> list:
    """(line number, command text, inline) of every shell line in code blocks and every inline code
    span that runs a launcher; continuations joined."""
    found, prose = [], []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        fence = re.match(r"\s*(```+|~~~+)\s*([\w-]*)", lines[i])
        if fence:
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip().startswith(fence.group(1))), len(lines))
            if fence.group(2).lower() in SHELL_FENCES:
                found += [(n, line, False) for n, line in _joined(lines, i + 1, end)]
            prose += [""] * (end + 1 - i)
            i = end + 1
        elif lines[i].startswith("    ") and (i == 0 or not lines[i - 1].strip()) and not _in_list(lines, i):
            end = i
            while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
                end += 1
            found += [(n, line, False) for n, line in _joined(lines, i, end)]
            prose += [""] * (end - i)
            i = end
        else:
            prose.append(lines[i])
            i += 1
    prose_text = "\n".join(prose)
    for span in re.finditer(r"(?<!`)`([^`]+)`(?!`)", prose_text):
        words = " ".join(span.group(1).split())
        if _launched(words):
            found.append((prose_text.count("\n", 0, span.start()) + 1, words, True))
    return sorted(found)


def _in_list(lines: list, i: int) -> bool:
    """An indented line that continues a list item (not an indented code block)."""
    for j in range(i - 1, -1, -1):
        if lines[j].strip():
            return bool(re.match(r"\s*([-*+]|\d+\.)\s", lines[j])) or lines[j].startswith("  ")
    return False


def _joined(lines: list, start: int, end: int) -> list:
    out, pending, first = [], "", None
    for number in range(start, end):
        line = lines[number].strip()
        if first is None:
            first = number + 1
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        out.append((first, pending + line))
        pending, first = "", None
    return out


def _launched(text: str) -> bool:
    """The text runs python or torchrun somewhere (output lines and prose spans do not)."""
    return re.search(r"(^|[\s;&|(])(python3?|torchrun)\s", text) is not None


def commands_of(page: str, text: str, problems: list) -> list:
    """The Commands of one page, in order; lines it cannot read go to `problems`."""
    commands = []
    for line, text_line, inline in shell_lines(text):
        if not _launched(text_line):
            continue
        try:
            tokens = shlex.split(text_line, comments=True)
            for piece in _chain(tokens):
                command = _command(piece, inline)
                if command is not None:
                    commands.append(Command(page, line, *command))
        except (ValueError, DocProblem) as error:
            problems.append(f"{page}:{line}: `{text_line}`: {error}")
    return commands


def _chain(tokens: list) -> list:
    """Split `a && b ; c | d` (shlex keeps && ; | as words when spaced) into the simple commands."""
    pieces, current = [], []
    for token in tokens:
        if token in {"&&", "||", ";", "|"}:
            pieces.append(current)
            current = []
        else:
            current.append(token.rstrip(";"))
    return pieces + [current]


def _command(tokens: list, inline: bool):
    """(script, arguments) of one simple command; None if it runs no script (or is prose naming a
    launcher in an inline span); DocProblem for a code line whose launcher runs no script file."""
    while tokens and (re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", tokens[0]) or tokens[0] in {"nohup", "time"}):
        tokens = tokens[1:]  # environment assignments and wrappers
    if tokens[:1] == ["nice"]:
        tokens = tokens[3:] if tokens[1:2] == ["-n"] else tokens[1:]
    if not tokens or tokens[0] not in LAUNCHERS:
        return None
    if tokens[0] == "torchrun":
        scripts = [i for i, token in enumerate(tokens) if token.endswith(".py")]
        if not scripts:
            if inline:
                return None
            raise DocProblem("torchrun without a script")
        start = scripts[0]
    elif len(tokens) > 1 and tokens[1] in {"-m", "-c"}:
        return None
    else:
        start = 1
    if len(tokens) <= start or not tokens[start].endswith(".py"):
        if inline:
            return None
        raise DocProblem("no script after the launcher")
    return os.path.normpath(tokens[start]), tokens[start + 1 :]


def resolve_elisions(commands: list, problems: list) -> list:
    """A lone `...` stands for the arguments of the previous command of the same script on the page;
    one without such a command goes to `problems` (and the command is dropped)."""
    previous, resolved = {}, []
    for command in commands:
        args = []
        for arg in command.args:
            if arg == "...":
                key = (command.page, command.script)
                if key not in previous:
                    problems.append(f"{command.id}: `...` with no earlier {command.script} command on the page")
                    break
                args += previous[key]
            else:
                args.append(arg)
        else:
            resolved.append(Command(command.page, command.line, command.script, args))
            previous[(command.page, command.script)] = args
    return resolved


def concrete(arg: str) -> str:
    """Placeholders filled: <name> -> name, ... inside a path -> x."""
    return re.sub(r"<([^<>]*)>", lambda m: re.sub(r"\W+", "_", m.group(1)) or "x", arg).replace("...", "x")


def all_commands() -> tuple:
    """(every Command of README.md and docs/*.md, problems)."""
    commands, problems = [], []
    for page in doc_pages():
        with open(os.path.join(ROOT, page), encoding="utf-8") as handle:
            commands += resolve_elisions(commands_of(page, handle.read(), problems), problems)
    return commands, problems


COMMANDS, PROBLEMS = all_commands()


class _Parsed(BaseException):
    """Raised by the patched parse_args to stop a dry run once the arguments parsed."""


_modules = {}


def script_module(script: str):
    """The script imported once, by its dotted name (train_ppo, benchmarks.bench_env, ...)."""
    if script not in _modules:
        _modules[script] = importlib.import_module(script[: -len(".py")].replace(os.sep, "."))
    return _modules[script]


def parse(module, argv: list, monkeypatch):
    """The script's Namespace for argv; SystemExit or UserError propagate. Flags must be written
    out in full (argparse would accept a prefix, which hides a renamed flag)."""
    init = argparse.ArgumentParser.__init__
    monkeypatch.setattr(
        argparse.ArgumentParser, "__init__", lambda self, **kw: init(self, **{**kw, "allow_abbrev": False})
    )
    if hasattr(module, "parse_args"):
        return module.parse_args(argv)
    original = argparse.ArgumentParser.parse_args

    def parse_and_stop(self, args=None, namespace=None):
        raise _Parsed(original(self, args, namespace))

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_and_stop)
    monkeypatch.setattr(sys, "argv", [module.__file__, *argv])
    try:
        module.main()
    except _Parsed as parsed:
        return parsed.args[0]
    raise AssertionError(f"{module.__name__}.main() returned without parsing its arguments")


def test_every_documented_command_is_read():
    assert not PROBLEMS, "\n".join(PROBLEMS)


def test_the_docs_hold_commands_of_every_entry_point():
    scripts = {command.script for command in COMMANDS}
    for entry_point in ("train_ppo.py", "play.py", "collect_trajectories.py", "sim2sim.py"):
        assert entry_point in scripts, f"no `python {entry_point} ...` command in README.md or docs/*.md"
    distributed = [c for c in COMMANDS if c.script == "train_ppo.py" and "--distributed" in c.args]
    assert distributed, "no `torchrun ... train_ppo.py --distributed` command found"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command.id)
def test_documented_command_parses(command, tmp_path, monkeypatch, capsys):
    path = os.path.join(ROOT, command.script)
    assert os.path.isfile(path), f"{command.id}: the documented script {command.script} does not exist"
    repo = tmp_path / "repo"
    repo.mkdir()
    argv = [concrete(arg) for arg in command.args]
    for arg in argv:
        if arg.endswith(INPUT_SUFFIXES) and not os.path.isabs(arg):
            target = repo / arg
            target.parent.mkdir(parents=True, exist_ok=True)
            target.touch()
    module = script_module(command.script)
    monkeypatch.chdir(repo)
    try:
        parse(module, argv, monkeypatch)
    except SystemExit as stop:
        assert stop.code in (0, None), f"{command.id}: {' '.join(argv)}\n{capsys.readouterr().err.strip()}"
    except UserError as error:
        pytest.fail(f"{command.id}: {' '.join(argv)}\nerror: {error}")


SAMPLE = """\
Text `python train_ppo.py --device cpu
--num_envs 8` and `python -m pytest -q`, not `python <script> ...`.

```bash
python3 -m venv .venv && . .venv/bin/activate && python play.py --checkpoint a/<run>/model_1.pt  # watch
torchrun --standalone --nproc_per_node 2 \\
    train_ppo.py --distributed --num_envs 16
python play.py ... --viewer
```

```python
python = "not a command"
```

    python sim2sim.py --checkpoint .../model_2.pt

- a list item

    continued, not code: python nothing.py
"""


def test_commands_are_found_in_blocks_spans_and_chains():
    problems = []
    found = [(c.line, c.script, c.args) for c in resolve_elisions(commands_of("sample.md", SAMPLE, problems), problems)]
    assert not problems
    assert found == [
        (1, "train_ppo.py", ["--device", "cpu", "--num_envs", "8"]),
        (5, "play.py", ["--checkpoint", "a/<run>/model_1.pt"]),
        (6, "train_ppo.py", ["--distributed", "--num_envs", "16"]),
        (8, "play.py", ["--checkpoint", "a/<run>/model_1.pt", "--viewer"]),
        (15, "sim2sim.py", ["--checkpoint", ".../model_2.pt"]),
    ]
    assert concrete("logs/.../<date time>/model_3.pt") == "logs/x/date_time/model_3.pt"


def test_a_flag_that_does_not_exist_is_caught(monkeypatch, capsys):
    with pytest.raises(SystemExit) as stop:
        parse(script_module("train_ppo.py"), ["--num_env", "8"], monkeypatch)
    assert stop.value.code == 2 and "--num_env" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # the dry run of a script without parse_args(argv)
        parse(script_module("benchmarks/bench_env.py"), ["--num_envs", "many"], monkeypatch)
