"""PPO configuration (rsl-rl-lib 5.x dicts), run folders, and an OnPolicyRunner that saves atomically
and keeps its per-step bookkeeping on the device."""

import glob
import os
import pickle
import re
from datetime import datetime

import torch
from rsl_rl.runners import OnPolicyRunner
from rsl_rl.utils.logger import Logger

from legged_mjx.files import atomic_write
from legged_mjx.errors import UserError


def ppo_train_config(
    num_steps_per_env: int,
    max_iterations: int,
    hidden_dims: list,
    init_std: float,
    learning_rate: float,
    max_grad_norm: float,
    obs_normalization: bool,
    seed: int,
) -> dict:
    """An rsl_rl OnPolicyRunner config; the PPO values shared by go2_train and BALLU are fixed here."""

    def mlp(**extra) -> dict:
        return {
            "class_name": "MLPModel",
            "hidden_dims": list(hidden_dims),
            "activation": "elu",
            "obs_normalization": obs_normalization,
            **extra,
        }

    return {
        "seed": seed,
        "num_steps_per_env": num_steps_per_env,
        "max_iterations": max_iterations,
        "save_interval": 100,
        # rsl_rl's per-step NaN check reads four tensors on the host every step (a GPU wait each time);
        # the environment never returns NaN: it zeroes and counts non-finite actions (an error at the
        # next step) and resets environments whose physics went non-finite (Stats/non_finite_resets_total)
        "check_for_nan": False,
        "init_at_random_ep_len": True,
        "logger": "tensorboard",
        "obs_groups": {"actor": ["policy"], "critic": ["critic"]},
        "actor": mlp(distribution_cfg={"class_name": "GaussianDistribution", "init_std": init_std}),
        "critic": mlp(),
        "algorithm": {
            "class_name": "PPO",
            "clip_param": 0.2,
            "desired_kl": 0.01,
            "entropy_coef": 0.01,
            "gamma": 0.99,
            "lam": 0.95,
            "learning_rate": learning_rate,
            "max_grad_norm": max_grad_norm,
            "num_learning_epochs": 5,
            "num_mini_batches": 4,
            "schedule": "adaptive",
            "use_clipped_value_loss": True,
            "value_loss_coef": 1.0,
        },
    }


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
    """OnPolicyRunner whose checkpoints are written to a temporary file and renamed into place, and
    whose rollout makes no host synchronisation of its own (DeviceLogger; check_for_nan off in
    ppo_train_config)."""

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

    def save(self, path: str, infos: dict | None = None) -> None:
        saved = self.alg.save()
        saved["iter"] = self.current_learning_iteration
        saved["infos"] = infos
        atomic_write(path, lambda handle: torch.save(saved, handle))
        self.logger.save_model(path, self.current_learning_iteration)

    def load_checkpoint(self, path: str) -> None:
        """Load model, optimizer and iteration; a checkpoint of another shape is a UserError."""
        if not os.path.isfile(path):
            raise UserError(f"checkpoint not found: {path}")
        try:
            self.load(path, map_location=str(self.device))
        except (RuntimeError, KeyError, pickle.UnpicklingError, EOFError) as error:
            reason = str(error).strip().splitlines()[0]
            raise UserError(f"checkpoint {path} does not fit this task/network: {reason}") from None


def new_run_dir(log_root: str, experiment: str) -> str:
    """logs/<experiment>/<YYYY-mm-dd_HH-MM-SS>, created."""
    path = os.path.join(log_root, experiment, datetime.now().strftime("%Y-%m-%d_%H-%M-%S"))
    os.makedirs(path, exist_ok=True)
    return path


def latest_checkpoint(log_root: str, experiment: str) -> str:
    """The highest-iteration model_<it>.pt of the newest run of an experiment."""
    runs = sorted(
        d for d in glob.glob(os.path.join(log_root, experiment, "*")) if glob.glob(os.path.join(d, "model_*.pt"))
    )
    if not runs:
        raise UserError(f"no checkpoint to resume under {os.path.join(log_root, experiment)}")
    models = glob.glob(os.path.join(runs[-1], "model_*.pt"))
    return max(models, key=lambda p: int(re.search(r"model_(\d+)\.pt$", p).group(1)))


def run_configs_of(checkpoint: str) -> dict:
    """The cfgs.pkl saved beside a checkpoint (task, env, obs, reward, command, train)."""
    path = os.path.join(os.path.dirname(os.path.abspath(checkpoint)), "cfgs.pkl")
    if not os.path.isfile(path):
        raise UserError(f"no cfgs.pkl beside {checkpoint}: not a run folder of this project")
    with open(path, "rb") as handle:
        return pickle.load(handle)
