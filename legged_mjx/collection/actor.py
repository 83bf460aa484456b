"""The acting policy with its sampling noise: deterministic, the checkpoint's Gaussian, and
observation / action noise."""

import torch

from legged_mjx.errors import UserError


def policy_std(checkpoint_path: str, train: dict | None = None) -> torch.Tensor:
    """The state-independent Gaussian action std of an rsl_rl checkpoint, clamped to the run's
    std_range as rsl_rl samples it (5.x: distribution.std_param or exp(log_std_param); 2.x-4.x: std)."""
    checkpoint = torch.load(checkpoint_path, map_location="cpu", weights_only=False)
    state = checkpoint.get("actor_state_dict") or checkpoint.get("model_state_dict") or {}
    layouts = {
        "distribution.std_param": None,
        "distribution.log_std_param": torch.exp,
        "std": None,
        "log_std": torch.exp,
    }
    for key, to_std in layouts.items():
        if key in state:
            low, high = ((train or {}).get("actor", {}).get("distribution_cfg") or {}).get("std_range", (1e-6, 1e6))
            std = state[key].float()
            return (to_std(std) if to_std else std).clamp(max(low, 1e-6), high)
    raise UserError(
        f"{checkpoint_path} has no state-independent action std (--stochastic needs a Gaussian rsl_rl actor)"
    )


class Actor:
    """obs -> (action sent to the env, policy mean) with a = mu(o + s_o e1) + sigma e2 + s_a e3,
    e ~ N(0, I): sigma the policy std (--stochastic, else 0), s_o and s_a the optional noise stds."""

    def __init__(
        self, policy, std=None, obs_noise: float = 0.0, action_noise: float = 0.0, seed: int = 0, device="cpu"
    ):
        self.policy, self.obs_noise, self.action_noise = policy, obs_noise, action_noise
        self.std = None if std is None else torch.as_tensor(std, dtype=torch.float32, device=device)
        self.generator = torch.Generator(device=device).manual_seed(seed)

    def _noise(self, like: torch.Tensor) -> torch.Tensor:
        return torch.randn(like.shape, generator=self.generator, device=like.device)

    def __call__(self, obs: torch.Tensor) -> tuple:
        if self.obs_noise:
            obs = obs + self.obs_noise * self._noise(obs)
        mean = self.policy(obs).float().contiguous()
        action = mean
        if self.std is not None:
            action = action + self.std * self._noise(mean)
        if self.action_noise:
            action = action + self.action_noise * self._noise(mean)
        return action.contiguous(), mean
