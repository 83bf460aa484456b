"""Any task of this project as sim2sim runs it: perturbations as run-time per-environment
parameters, a fall detector, and an evaluation config (no rewards, no command resampling, no
time-outs).

Perturbation scales live in `State.params` (friction, mass, gain), next to whatever the task
samples itself (BALLU: gcr, spcf, drag), so one compiled program serves every perturbation of a
sweep: every physics backend scales friction and mass per environment from params (backends/);
a joint-position actuator law multiplies kp and kd by params["gain"] (other laws ignore it, and
`applicable_keys` says so).
"""

import copy

import jax
import jax.numpy as jnp
import numpy as np

from legged_mjx.domain_rand import DomainRandCfg
from legged_mjx.errors import UserError
from legged_mjx import tasks
from legged_mjx.robots import load_robot
from legged_mjx.sim2sim.perturbations import KEYS
from legged_mjx.sim2sim.settings import FOREVER_S

SCALES = ("friction", "mass", "gain")  # sliding friction x, body mass and inertia x, kp and kd x
DEFAULT_FALL_TILT_DEG = 45.0  # a task's own tilt termination is widened to this (deg), without a robot description
DEFAULT_FALL_HEIGHT = 0.15  # m: base below this is a fall, without a robot description


def evaluation_config(cfg, fall_tilt_deg: float | None):
    """A copy of a task config for evaluation: policy observations only, no rewards, one episode
    per environment (no time-out, no command resampling), no domain randomisation (perturbations are
    sim2sim's own, per set; start-pose noise is --init_noise). A tilt termination of the task's own
    (`env.max_roll_pitch_deg`, e.g. Go2's 10 deg) is widened to fall_tilt_deg (None: 45 deg); for a
    task without one (BALLU) a fall_tilt_deg is a UserError."""
    cfg = copy.deepcopy(cfg)
    if "policy" not in cfg.obs.groups:
        raise UserError("the task config has no 'policy' observation group")
    cfg.obs.groups = {"policy": cfg.obs.groups["policy"]}
    cfg.reward.weights = {}
    cfg.domain_rand = DomainRandCfg()
    cfg.env.episode_length_s = FOREVER_S
    if hasattr(cfg.env, "max_roll_pitch_deg"):
        cfg.env.max_roll_pitch_deg = DEFAULT_FALL_TILT_DEG if fall_tilt_deg is None else fall_tilt_deg
    elif fall_tilt_deg is not None:
        raise UserError("--fall_tilt: this task has no tilt termination (env.max_roll_pitch_deg) to widen")
    cfg.command.resample_s = FOREVER_S
    cfg.command.table = None
    return cfg


class EvaluationHooks:
    """Put before a task's class (see evaluation_task): perturbation scales in State.params and a
    base-height fall detector on top of the task's own failures.

    The rollout writes the scales into the state after reset."""

    fall_height: float  # m: base below this height above the ground (Snapshot.ground_height) is a fall

    def sample_params(self, key, env_id) -> dict:
        return {**super().sample_params(key, env_id), **{name: jnp.ones((), jnp.float32) for name in SCALES}}

    def failures(self, s) -> dict:
        """The task's failures and a base below fall_height above the ground under the height scan."""
        return {**super().failures(s), "base_height": s.base_pos_world[2] - s.ground_height < self.fall_height}

    def initial_poses(self, num_envs: int, joint_noise: float, seed: int) -> np.ndarray:
        """(N, nq) start poses: the reset pose with every joint offset by uniform(-joint_noise,
        joint_noise) rad, seeded, so that environments of one sweep row are distinct trials."""
        qpos = np.tile(self.initial_qpos(), (num_envs, 1))
        offsets = np.random.default_rng(seed).uniform(-joint_noise, joint_noise, (num_envs, len(self.joints.qpos_adr)))
        qpos[:, self.joints.qpos_adr] += offsets
        return qpos.astype(np.float32)


def evaluation_task(task, cfg, fall_tilt_deg: float | None, fall_height: float):
    """A task of class `task` (or of the project task named `task`) built from
    evaluation_config(cfg, fall_tilt_deg), subclassed with EvaluationHooks first."""
    task_class = task if isinstance(task, type) else tasks.task_class(task)
    cfg = evaluation_config(cfg, fall_tilt_deg)
    hooked = type(f"Eval{task_class.__name__}", (EvaluationHooks, task_class), {"fall_height": fall_height})
    return hooked(cfg)


def fall_limits(cfg, fall_tilt_deg: float | None, fall_height: float | None) -> tuple:
    """(tilt deg or None, base height m) of a fall: the given values, else the robot description's
    (env.robot), else a 45 deg tilt and 0.15 m. The tilt applies only to a task with a tilt
    termination (None lets evaluation_config pick its default)."""
    robot = load_robot(cfg.env.robot) if getattr(cfg.env, "robot", "") else None
    if fall_tilt_deg is None and robot is not None and hasattr(cfg.env, "max_roll_pitch_deg"):
        fall_tilt_deg = robot.fall_tilt_deg
    if fall_height is None:
        fall_height = robot.fall_base_height if robot is not None else DEFAULT_FALL_HEIGHT
    return fall_tilt_deg, fall_height


def applicable_keys(task) -> tuple:
    """The --perturb keys that change this task's simulation: push, friction and mass always (every
    backend applies them); gain where the control law reads params["gain"], i.e. where the
    controls at the reset state, for the targets of action 0.5, differ between gain 1 and 0.5."""
    physics = jax.tree.map(jnp.asarray, task.reset_physics)
    params = task.sample_params(jax.random.PRNGKey(0), jnp.int32(0))
    targets = task.action_targets(jnp.full(task.num_actions, 0.5, jnp.float32))
    ctrl = [np.asarray(task.control(physics, targets, {**params, "gain": jnp.float32(g)})[0]) for g in (1.0, 0.5)]
    return tuple(key for key in KEYS if key != "gain" or not np.allclose(*ctrl))
