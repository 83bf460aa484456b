"""PPO configuration (rsl-rl-lib 5.x dicts), run folders, and an OnPolicyRunner that saves atomically."""

import glob
import os
import pickle
import re
from datetime import datetime

import torch
from rsl_rl.runners import OnPolicyRunner

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


class Runner(OnPolicyRunner):
    """OnPolicyRunner whose checkpoints are written to a temporary file and renamed into place."""

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
