"""Run folders, `<log_root>/<experiment>/<YYYY-mm-dd_HH-MM-SS>/`: the checkpoint a command-line
argument names, the configs saved with a run, and the name of a new run. No JAX, torch or mujoco
here: entry points use it while they validate their arguments.

A run folder holds model_<it>.pt (rsl_rl checkpoints; <it> is the last completed iteration, so
model_<it>.pt holds it + 1 iterations), cfgs.pkl, cfgs.yaml, TensorBoard events, exported/.

cfgs.pkl is the source of truth: plain dicts (task, backend, num_envs, device, env, obs, reward,
command, domain_rand, train), loadable without this code, read by every command that takes a
checkpoint. cfgs.yaml is generated from it for people to read, and says so in its first lines; it
is never read back (YAML would turn tuples into lists and lose the exact floats), so an edit there
changes nothing: a run folder whose cfgs.yaml no longer matches its cfgs.pkl gets a note on stderr.
Settings change with --set section.field=value.
"""

import glob
import os
import pickle
import re
import sys
from datetime import datetime

import yaml

from legged_mjx.errors import UserError
from legged_mjx.files import atomic_write

CHECKPOINT = re.compile(r"model_(\d+)\.pt")
YAML_HEADER = (
    "# Generated from cfgs.pkl beside this file, for reading only: edits here are not read.\n"
    "# cfgs.pkl is what play.py, collect_trajectories.py, sim2sim.py and train_ppo.py --resume use;\n"
    "# change a setting with --set section.field=value.\n"
)


def checkpoints(folder: str) -> dict:
    """{iteration: path} of the model_<it>.pt files in `folder`."""
    found = {}
    for path in glob.glob(os.path.join(folder, "model_*.pt")):
        match = CHECKPOINT.fullmatch(os.path.basename(path))
        if match:
            found[int(match.group(1))] = path
    return found


def newest_checkpoint(folder: str) -> str:
    """The highest-iteration model_<it>.pt in a run folder."""
    found = checkpoints(folder)
    if not found:
        raise UserError(f"no model_<it>.pt in {folder}")
    return found[max(found)]


def find_run(log_root: str, experiment: str, load_run: str | None) -> str:
    """The run folder --load_run names: a folder path, a run name under <log_root>/<experiment>, or
    -1 / None for the newest run there (by name, i.e. by start time) that holds a checkpoint."""
    if load_run not in (None, "-1"):
        if os.path.isdir(load_run):
            return load_run
        path = os.path.join(log_root, experiment, load_run)
        if not os.path.isdir(path):
            raise UserError(f"--load_run {load_run}: no run folder {path}")
        return path
    runs = sorted(d for d in glob.glob(os.path.join(log_root, experiment, "*")) if checkpoints(d))
    if not runs:
        raise UserError(f"no checkpoint to resume under {os.path.join(log_root, experiment)}")
    return runs[-1]


def resolve_checkpoint(
    argument: str | None, load_run: str | None = None, log_root: str | None = None, experiment: str | None = None
) -> str:
    """The model file that a --checkpoint argument names:
    - an existing file: itself (a model_<it>.pt, or a TorchScript/ONNX export for play/collect);
    - an existing folder: its newest model_<it>.pt (a run folder);
    - an iteration number, or -1 for the newest, or None (the newest): a checkpoint of the run that
      `load_run` names under <log_root>/<experiment> (see find_run); only where a log root is known
      (train_ppo.py).
    Anything else is a UserError naming the argument."""
    if argument is not None and os.path.isfile(argument):
        return argument
    if argument is not None and os.path.isdir(argument):
        return newest_checkpoint(argument)
    number = argument is None or re.fullmatch(r"-1|\d+", argument)
    if not number or log_root is None:
        raise UserError(f"checkpoint not found: {argument}")
    run = find_run(log_root, experiment, load_run)
    if argument in (None, "-1"):
        return newest_checkpoint(run)
    found = checkpoints(run)
    if int(argument) not in found:
        raise UserError(f"--checkpoint {argument}: no model_{argument}.pt in {run} (has {_iterations(found)})")
    return found[int(argument)]


def _iterations(found: dict) -> str:
    its = sorted(found)
    return ", ".join(map(str, its[:5] + ["..."] + its[-3:] if len(its) > 8 else its)) or "none"


def checkpoint_iteration(path: str) -> int | None:
    """<it> of a model_<it>.pt file name, else None."""
    match = CHECKPOINT.fullmatch(os.path.basename(path))
    return int(match.group(1)) if match else None


def run_folder(path: str) -> str:
    """The run folder of a file: its own folder, or the parent of exported/ when that holds cfgs.pkl."""
    folder = os.path.dirname(os.path.abspath(path))
    parent = os.path.dirname(folder)
    if os.path.isfile(os.path.join(folder, "cfgs.pkl")) or os.path.basename(folder) != "exported":
        return folder
    return parent if os.path.isfile(os.path.join(parent, "cfgs.pkl")) else folder


def has_run_configs(path: str) -> bool:
    """Whether the file at `path` comes with a run's cfgs.pkl."""
    return os.path.isfile(os.path.join(run_folder(path), "cfgs.pkl"))


def run_configs_of(path: str) -> dict:
    """The configs saved with the run that a file (a checkpoint, an export, cfgs.pkl) belongs to."""
    folder = run_folder(path)
    pkl = os.path.join(folder, "cfgs.pkl")
    if not os.path.isfile(pkl):
        raise UserError(f"no cfgs.pkl beside {path}: not a run folder of this project")
    try:
        with open(pkl, "rb") as handle:
            configs = pickle.load(handle)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError) as error:
        reason = " ".join(f"{type(error).__name__}: {error}".split())[:120]
        raise UserError(f"{pkl} is damaged or truncated ({reason}); it holds the run's configs") from None
    if not isinstance(configs, dict) or "task" not in configs:
        raise UserError(f"{pkl} is not a run's configs (a dict with a 'task')")
    _note_edited_yaml(folder, configs)
    return configs


def configs_yaml(configs: dict) -> str:
    """The readable copy of a run's configs (without the header)."""
    return yaml.safe_dump(configs, sort_keys=False, default_flow_style=None, width=110)


def save_run_configs(folder: str, configs: dict) -> None:
    """cfgs.pkl (the source of truth) and cfgs.yaml (generated, with a header saying so), each atomically."""
    atomic_write(os.path.join(folder, "cfgs.pkl"), lambda f: pickle.dump(configs, f))
    text = YAML_HEADER + configs_yaml(configs)
    atomic_write(os.path.join(folder, "cfgs.yaml"), lambda f: f.write(text.encode()))


def _note_edited_yaml(folder: str, configs: dict) -> None:
    path = os.path.join(folder, "cfgs.yaml")
    if not os.path.isfile(path):
        return
    with open(path, encoding="utf-8", errors="replace") as handle:
        text = "".join(line for line in handle if not line.startswith("#"))
    try:
        expected = configs_yaml(configs)
    except yaml.YAMLError:
        return
    if text != expected:
        print(
            f"note: {path} differs from cfgs.pkl, which is what is read (cfgs.yaml is generated for reading; "
            "change a setting with --set)",
            file=sys.stderr,
        )


def new_run_dir(log_root: str, experiment: str) -> str:
    """<log_root>/<experiment>/<YYYY-mm-dd_HH-MM-SS> for a new run (not created here: a run folder
    is made only once everything the run needs has been built)."""
    return os.path.join(log_root, experiment, datetime.now().strftime("%Y-%m-%d_%H-%M-%S"))
