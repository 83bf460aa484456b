"""The rsl_rl VecEnv over a batched task (`make_env`, `LeggedVecEnv`): the only place where JAX
meets torch. The top-level `env_wrapper.py` re-exports both for scripts run from the checkout;
`from legged_mjx import make_env` works anywhere the package is installed.

Tensors cross through DLPack in both directions without copies (CPU and CUDA): actions are read
by JAX in place, and observations, rewards and dones are torch views of the JAX buffers of the
new state. JAX arrays are immutable and never donated here, so a tensor handed to the learner
keeps its values after later steps. `step` does no host synchronisation: checks that need a
value from the device (non-finite actions) read a sticky device counter only once it is ready,
its host copy started asynchronously by every `reset` and `step`.
"""

import legged_mjx  # noqa: F401  (must precede jax: keeps JAX from preallocating the GPU)

import jax
import torch
from rsl_rl.env import VecEnv
from tensordict import TensorDict

from legged_mjx.backends import resolve_backend
from legged_mjx.batch import BatchedEnv
from legged_mjx.config import to_dict
from legged_mjx.devices import jax_device_for, normalize_device, to_jax
from legged_mjx.errors import UserError
from legged_mjx.tasks import make_task


def to_torch(array: jax.Array) -> torch.Tensor:
    """Zero-copy torch view of a JAX array (keeps the JAX buffer alive)."""
    return torch.from_dlpack(array)


class LeggedVecEnv(VecEnv):
    """rsl_rl VecEnv over a LocomotionTask batched on the JAX device matching `device` ("cpu",
    "cuda:N"; "cuda" is normalised to its index), its physics stepped by `backend` ("auto": native
    MuJoCo on a CPU, MJX on CUDA; see legged_mjx/backends)."""

    def __init__(
        self, task, num_envs: int, device: str = "cpu", seed: int = 0, backend: str = "auto", threads: int | None = None
    ):
        if num_envs < 1:
            raise UserError(f"num_envs must be >= 1, got {num_envs}")
        self.task = task
        self.device = torch.device(normalize_device(device))
        self.backend = resolve_backend(backend, str(self.device))
        self.batch = BatchedEnv(
            task, num_envs, seed=seed, device=jax_device_for(self.device), backend=self.backend, threads=threads
        )
        self.num_envs = num_envs
        self.num_actions = task.num_actions
        self.max_episode_length = task.max_episode_length
        self.cfg = to_dict(task.cfg)
        self.mj_model = task.mj_model
        self.reset()

    def reset(self) -> tuple[TensorDict, dict]:
        """Restart every environment (seeded as at construction) and clear the statistics."""
        self.state, self.stats = self.batch.reset()
        self._copy_counter_to_host()
        return self.get_observations(), {}

    def close(self) -> None:
        self.state = self.stats = None

    def get_observations(self) -> TensorDict:
        self._raise_on_bad_actions()
        obs = {group: to_torch(value) for group, value in self.state.obs.items()}
        return TensorDict(obs, batch_size=[self.num_envs], device=self.device)

    @property
    def episode_length_buf(self) -> torch.Tensor:
        """Control steps since each episode started (a copy: assign to change it)."""
        return to_torch(self.state.episode_step).clone()

    @episode_length_buf.setter
    def episode_length_buf(self, value: torch.Tensor) -> None:
        value = torch.as_tensor(value, device=self.device)
        if value.shape != (self.num_envs,):
            raise UserError(f"episode_length_buf needs shape ({self.num_envs},), got {tuple(value.shape)}")
        steps = to_jax(value.to(torch.int32).clone())
        self.state = self.state.replace(episode_step=steps)

    def step(self, actions: torch.Tensor) -> tuple[TensorDict, torch.Tensor, torch.Tensor, dict]:
        self._check_actions(actions)
        self.state, self.stats = self.batch.step(self.state, self.stats, to_jax(actions.detach()))
        self._copy_counter_to_host()
        terminated, truncated = to_torch(self.state.terminated), to_torch(self.state.truncated)
        log = dict(zip(self.stats.log_names, to_torch(self.stats.log).unbind()))  # one export, a view per term
        extras = {"time_outs": truncated, "log": log}
        return self.get_observations(), to_torch(self.state.reward), terminated | truncated, extras

    def _check_actions(self, actions: torch.Tensor) -> None:
        self._raise_on_bad_actions()
        if not isinstance(actions, torch.Tensor):
            raise UserError(f"actions must be a torch.Tensor, got {type(actions).__name__}")
        if tuple(actions.shape) != (self.num_envs, self.num_actions):
            raise UserError(f"actions need shape ({self.num_envs}, {self.num_actions}), got {tuple(actions.shape)}")
        if actions.dtype != torch.float32:
            raise UserError(f"actions must be float32, got {actions.dtype}")
        if actions.device != self.device:
            raise UserError(f"actions are on {actions.device}, the environment on {self.device}")
        if not actions.is_contiguous():
            raise UserError("actions must be contiguous (call .contiguous())")

    def _copy_counter_to_host(self) -> None:
        """Start the host copy of the non-finite-action counter, which the next check reads once it
        has arrived (without it, that read would be an implicit, blocking transfer)."""
        with jax.transfer_guard_device_to_host("allow"):  # deliberate and non-blocking
            self.stats.non_finite_actions_total.copy_to_host_async()

    def _raise_on_bad_actions(self) -> None:
        """Non-finite actions were zeroed in the step; report them once the device counter (copied to
        the host asynchronously after each step) is ready, so this never waits on the device."""
        count = self.stats.non_finite_actions_total
        if count.is_ready() and int(count) > 0:
            raise UserError(
                f"non-finite (NaN/inf) actions were passed to step() for {int(count)} environment-steps; "
                "they were replaced by zeros (call reset() to continue)"
            )


def make_env(
    task: str = "go2",
    num_envs: int = 1,
    device: str = "cpu",
    seed: int = 0,
    cfg=None,
    backend: str = "auto",
    threads: int | None = None,
    **overrides,
):
    """An rsl_rl VecEnv of `num_envs` copies of `task` on `backend` (auto, mjx, mujoco; `threads`:
    the native backend's thread count, default all cores); overrides set config fields by name."""
    return LeggedVecEnv(make_task(task, cfg, **overrides), num_envs, device, seed, backend, threads)
