"""What an evaluation runs with (sim2sim.py's run options), checked before anything is imported
or built."""

from dataclasses import dataclass

from legged_mjx.backends import BACKENDS as ALL_BACKENDS
from legged_mjx.errors import UserError

BACKENDS = ALL_BACKENDS[1:]  # resolved names (no "auto")
FOREVER_S = 1e5  # episode length and command period for evaluation: longer than any run (s)


@dataclass
class EvalSettings:
    """How one evaluation runs (sim2sim.py's run options; units in the field comments). validate()
    raises UserError for an unknown backend, num_envs < 1, negative joint noise, or unless
    0 <= settle_s < duration_s."""

    num_envs: int = 256
    duration_s: float = 20.0  # s of simulated time per environment
    settle_s: float = 2.0  # s: samples before this are not counted (start-up transient)
    seed: int = 0
    backend: str = "mujoco"  # "mujoco" (native, CPU threads), "mjx" or "warp" (JAX device)
    device: str = "cpu"  # torch/JAX device of the MJX backend and the policy
    push_interval_s: float = 4.0  # s between pushes of sets with push > 0
    fall_tilt_deg: float | None = None  # widens a tilt termination (None: the robot's, else 45 deg)
    fall_height: float | None = None  # m: base below this is a fall (None: the robot's, else 0.15; eval_task.py)
    init_joint_noise: float = 0.1  # rad: start joint angles = default + uniform(-noise, noise)
    video_envs: int = 0  # record base poses of this many nominal environments (one per row)
    threads: int | None = None  # native backend threads (default: all cores)

    def validate(self) -> None:
        if self.backend not in BACKENDS:
            raise UserError(f"unknown backend '{self.backend}' (known: {', '.join(BACKENDS)})")
        if self.num_envs < 1:
            raise UserError(f"num_envs must be >= 1, got {self.num_envs}")
        if self.init_joint_noise < 0:
            raise UserError(f"init_joint_noise must be >= 0, got {self.init_joint_noise}")
        if not 0 <= self.settle_s < self.duration_s < FOREVER_S:
            raise UserError(f"need 0 <= settle ({self.settle_s} s) < duration ({self.duration_s} s) < {FOREVER_S:g} s")
