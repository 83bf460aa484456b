"""scripts/plot_training.py: a run and its resumed folders read as one curve."""

import importlib.util
import os

from torch.utils.tensorboard import SummaryWriter

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts", "plot_training.py")


def _load():
    spec = importlib.util.spec_from_file_location("plot_training", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(folder, points: dict):
    writer = SummaryWriter(str(folder))
    for step, value in points.items():
        writer.add_scalar("Train/mean_reward", value, step)
    writer.close()


def test_resumed_folders_are_concatenated_and_the_later_folder_wins_an_overlap(tmp_path):
    _run(tmp_path / "first", {0: 1.0, 1: 2.0, 2: 3.0})
    _run(tmp_path / "resumed", {2: 30.0, 3: 40.0})  # resumed from the checkpoint of iteration 2
    curves = _load().read_scalars([str(tmp_path / "first"), str(tmp_path / "resumed")], ["Train/mean_reward"])
    assert curves["Train/mean_reward"] == ([0, 1, 2, 3], [1.0, 2.0, 30.0, 40.0])
