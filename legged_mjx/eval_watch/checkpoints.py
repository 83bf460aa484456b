"""The checkpoints of a run folder, which of them are due for evaluation, and `best.pt`.

Checkpoints are found by exact name, `model_<it>.pt`: a save in progress is a hidden temporary
sibling (`.tmp-...model_<it>.pt`, legged_mjx.files.atomic_write) that is renamed into place only
once complete, so a file that matches is always a whole checkpoint.
"""

import os
import re

from legged_mjx.files import atomic_path

CHECKPOINT = re.compile(r"model_(\d+)\.pt")
BEST = "best.pt"


def checkpoints(run_dir: str) -> dict:
    """{iteration: path} of the run's model_<it>.pt files."""
    found = {}
    for name in os.listdir(run_dir):
        match = CHECKPOINT.fullmatch(name)
        path = os.path.join(run_dir, name)
        if match and os.path.isfile(path):
            found[int(match.group(1))] = path
    return found


def due(iterations, every: int, save_interval: int) -> list:
    """The iterations to evaluate, ascending: one regular checkpoint in `every` (those at iteration
    k * every * save_interval, rsl_rl saving every save_interval iterations from 0), and every
    checkpoint off that grid (the final one, or one saved on Ctrl-C)."""
    return sorted(it for it in iterations if it % save_interval or (it // save_interval) % every == 0)


def link_best(run_dir: str, iteration: int) -> str:
    """Point <run>/best.pt at model_<iteration>.pt: a relative symbolic link made under a temporary
    name and renamed over the old one, so readers see the old link or the new one, never none."""
    best = os.path.join(run_dir, BEST)
    with atomic_path(best) as tmp:
        os.remove(tmp)
        os.symlink(f"model_{iteration}.pt", tmp)
    return best
