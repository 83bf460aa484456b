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
    """rsl_rl VecEnv over a LocomotionTask batched on the JAX device matching `device`, its physics
    stepped by `backend` ("auto": native MuJoCo on a CPU, MJX on CUDA; see legged_mjx/backends).

    Args: task (a LocomotionTask, e.g. from legged_mjx.tasks.make_task), num_envs (>= 1), device
    ("cpu" or "cuda:N": torch tensors and the JAX batch live there; "cuda" is normalised to
    torch's current CUDA device, "cuda:0" unless set), seed (the environments' PRNG
    keys), backend ("auto", "mujoco", "mjx" or "warp"), threads (native backend only; default all
    cores). rsl_rl's VecEnv interface (rsl_rl.env.VecEnv, rsl-rl-lib 5.x): N = num_envs, A =
    num_actions, D_g = the size of observation group g; all tensors float32 on `device` unless
    stated. Attributes: num_envs, num_actions, max_episode_length (control steps), device, cfg (the
    task config as plain dicts), mj_model (the task's mujoco.MjModel), task, backend (the resolved
    name), state and stats (the JAX batch state and episode statistics).

    Raises UserError for num_envs < 1, an unknown backend or one that cannot run on `device`, an
    unsupported device, or a CUDA device where torch or JAX sees none.
    """

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
        """Drop the batch state (the object cannot step afterwards)."""
        self.state = self.stats = None

    def get_observations(self) -> TensorDict:
        """TensorDict of batch size (N,): one (N, D_g) tensor per observation group of the task
        ("policy", "critic"), zero-copy views of the JAX state. Raises UserError if an earlier step
        received non-finite actions (see step)."""
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
        """One control step (task.dt s: decimation physics substeps) of every environment.

        actions: (N, A) float32, contiguous, on `device`; the task clips them to +-env.action_clip
        (Go2: joint-position offsets scaled by env.action_scale, rad per unit). Returns
        (observations as get_observations, rewards (N,) float32 = sum of weight x dt x term,
        dones (N,) bool = terminated | truncated, extras) with extras["time_outs"] (N,) bool (the
        truncations) and extras["log"] {name: scalar tensor}: episode statistics averaged over the
        last 100 finished episodes (Episode_Reward/<term>, Episode/length_s,
        Episode_Termination/<reason>) and Stats/non_finite_resets_total. A finished environment
        is already reset: the returned observation is its next episode's first.

        Raises UserError for a wrong shape, dtype, device or layout; a row with NaN/inf is zeroed
        inside the step and reported by a UserError from a later call (reset() clears it)."""
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
    """An rsl_rl VecEnv (LeggedVecEnv) of `num_envs` copies of `task` on `backend` (auto, mujoco,
    mjx, warp; `threads`: the native backend's thread count, default all cores).

    task: a name in legged_mjx.tasks.TASKS ("go2", "ballu", "ballu-imu"); cfg: a TaskCfg to use
    instead of the task's default config; overrides: config fields by name, `section.field` or a
    bare field that exists in one section (`GCR=0.84`, `spcf=0.005`, `env.action_scale=0.25`;
    legged_mjx.config.apply_overrides), in the field's units (SI, radians). Raises UserError for an
    unknown task or key, a value of the wrong type or out of its range (config.LIMITS), and what
    LeggedVecEnv raises. docs/api.md shows it in use."""
    return LeggedVecEnv(make_task(task, cfg, **overrides), num_envs, device, seed, backend, threads)
