"""rsl_rl's OnPolicyRunner as this project runs it: checkpoints saved atomically, loaded with one-line
errors, and resumed at the iteration after the checkpoint's (configs: ppo_config.py; run folders:
run_folders.py).

Iterations: rsl_rl's learn() runs iterations start .. start + n - 1 and a checkpoint model_<it>.pt
stores iter = it, the last completed one. rsl_rl itself resumes at `it` again (that iteration runs
twice and TensorBoard gets two points at `it`); load_checkpoint resumes at it + 1, so a resumed run
numbers its iterations and checkpoints exactly as an uninterrupted one would.
"""

import os
import pickle

import torch
from rsl_rl.runners import OnPolicyRunner

from legged_mjx.files import atomic_write
from legged_mjx.errors import UserError


CHECKPOINT_ERRORS = (RuntimeError, KeyError, TypeError, pickle.UnpicklingError, EOFError)


def saved_iteration(path: str) -> int:
    """The last completed iteration a checkpoint stores (rsl_rl's "iter"); an unreadable file is a UserError."""
    try:
        return int(torch.load(path, map_location="cpu", weights_only=False)["iter"])
    except CHECKPOINT_ERRORS as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
        raise UserError(f"checkpoint {path} is not a readable rsl_rl checkpoint: {reason}") from None


class Runner(OnPolicyRunner):
    """OnPolicyRunner whose checkpoints are written to a temporary file and renamed into place;
    `iterations_done` counts the completed iterations (a loaded checkpoint's included)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.iterations_done = 0
        log = self.logger.log

        def log_and_count(*log_args, **log_kwargs):  # rsl_rl logs each iteration once it is complete
            log(*log_args, **log_kwargs)
            self.iterations_done = log_kwargs["it"] + 1

        self.logger.log = log_and_count

    def save(self, path: str, infos: dict | None = None) -> None:
        saved = self.alg.save()
        saved["iter"] = self.current_learning_iteration
        saved["infos"] = infos
        atomic_write(path, lambda handle: torch.save(saved, handle))
        self.logger.save_model(path, self.current_learning_iteration)

    def load_checkpoint(self, path: str) -> None:
        """Load model, optimizer and iteration, and continue at the iteration after the checkpoint's;
        a checkpoint of another shape is a UserError."""
        if not os.path.isfile(path):
            raise UserError(f"checkpoint not found: {path}")
        try:
            self.load(path, map_location=str(self.device))
        except CHECKPOINT_ERRORS as error:
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:160]
            raise UserError(f"checkpoint {path} does not fit this task/network: {reason}") from None
        self.current_learning_iteration += 1
        self.iterations_done = self.current_learning_iteration
