"""rsl_rl's OnPolicyRunner as this project runs it: checkpoints saved atomically, loaded with one-line
errors, and resumed at the iteration after the checkpoint's (configs: ppo_config.py; run folders:
run_folders.py).

Iterations: rsl_rl's learn() runs iterations start .. start + n - 1 and a checkpoint model_<it>.pt
stores iter = it, the last completed one. rsl_rl itself resumes at `it` again (that iteration runs
twice and TensorBoard gets two points at `it`); load_checkpoint resumes at it + 1, so a resumed run
numbers its iterations and checkpoints exactly as an uninterrupted one would.

The rollout makes no host synchronisation of its own: DeviceLogger keeps the finished-episode
bookkeeping on the device and ppo_config turns rsl_rl's per-step NaN check off.
"""

import os
import pickle

import torch
from rsl_rl.runners import OnPolicyRunner
from rsl_rl.utils.logger import Logger

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


class DeviceLogger(Logger):
    """rsl_rl's Logger with its per-step bookkeeping of finished episodes kept on the device.

    rsl_rl's Logger finds the finished environments (`nonzero`) and copies their reward sums and
    lengths to the host every step: a wait for the GPU at each step of the rollout. This one keeps
    each step's done mask and running sums on the device and hands the finished episodes to the same
    host buffers (same values, same order) in one copy when an iteration is logged."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending = []  # per step: (done mask (N,), [running sum (N,) per track])

    def tracks(self) -> list:
        """(host buffer of the last 100 finished episodes, running sum on the device) pairs."""
        tracks = [(self.rewbuffer, self.cur_reward_sum), (self.lenbuffer, self.cur_episode_length)]
        if self.cfg["algorithm"].get("rnd_cfg"):
            tracks += [(self.erewbuffer, self.cur_ereward_sum), (self.irewbuffer, self.cur_ireward_sum)]
        return tracks

    def process_env_step(self, rewards, dones, extras, intrinsic_rewards=None) -> None:
        if self.writer is None:
            return
        if "episode" in extras or "log" in extras:
            self.ep_extras.append(extras["episode"] if "episode" in extras else extras["log"])
        if intrinsic_rewards is None:
            self.cur_reward_sum += rewards
        else:
            self.cur_ereward_sum += rewards
            self.cur_ireward_sum += intrinsic_rewards
            self.cur_reward_sum += rewards + intrinsic_rewards
        self.cur_episode_length += 1
        done = dones > 0
        self.pending.append((done, [running.clone() for _, running in self.tracks()]))
        for _, running in self.tracks():
            running.masked_fill_(done, 0)

    def flush(self) -> None:
        """Move the episodes finished since the last flush into the host buffers."""
        if not self.pending:
            return
        done = torch.stack([mask for mask, _ in self.pending])  # (steps, N): step order, then environment order
        for k, (buffer, _) in enumerate(self.tracks()):
            buffer.extend(torch.stack([sums[k] for _, sums in self.pending])[done].tolist())
        self.pending.clear()

    def log(self, *args, **kwargs) -> None:
        self.flush()
        super().log(*args, **kwargs)


class Runner(OnPolicyRunner):
    """OnPolicyRunner whose checkpoints are written to a temporary file and renamed into place, whose
    rollout makes no host synchronisation of its own (DeviceLogger), and whose `iterations_done`
    counts the completed iterations (a loaded checkpoint's included)."""

    def __init__(self, env, train_cfg: dict, log_dir: str | None = None, device: str = "cpu"):
        super().__init__(env, train_cfg, log_dir, device)
        self.logger = DeviceLogger(
            log_dir=log_dir,
            cfg=self.cfg,
            env_cfg=self.env.cfg,
            num_envs=self.env.num_envs,
            is_distributed=self.is_distributed,
            gpu_world_size=self.gpu_world_size,
            gpu_global_rank=self.gpu_global_rank,
            device=self.device,
        )
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
