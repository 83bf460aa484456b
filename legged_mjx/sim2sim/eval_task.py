"""The Go2 task as sim2sim runs it: perturbations as run-time per-environment parameters, a fall
detector, and an evaluation config (no rewards, no command resampling, no time-outs).

Perturbation scales live in `State.params` (friction, mass, gain), so one compiled program serves
every perturbation of a sweep: every physics backend scales friction and mass per environment
from params (backends/), and the actuator law multiplies kp and kd by params["gain"].
"""

import copy

import jax.numpy as jnp
import numpy as np

from legged_mjx.domain_rand import DomainRandCfg
from legged_mjx.errors import UserError
from legged_mjx.tasks.joint_position import JointPositionTask

SCALES = ("friction", "mass", "gain")  # sliding friction x, body mass and inertia x, kp and kd x
FOREVER_S = 1e5  # episode length and command period for evaluation: longer than any run (s)


def evaluation_config(cfg, fall_tilt_deg: float):
    """A copy of a Go2 task config for evaluation: policy observations only, no rewards, no domain
    randomisation, one episode per environment (no time-out, no command resampling), tilt beyond
    fall_tilt_deg ends it."""
    cfg = copy.deepcopy(cfg)
    if "policy" not in cfg.obs.groups:
        raise UserError("the task config has no 'policy' observation group")
    cfg.obs.groups = {"policy": cfg.obs.groups["policy"]}
    cfg.reward.weights = {}
    cfg.domain_rand = DomainRandCfg()  # the perturbation sets are the only randomness
    cfg.env.episode_length_s = FOREVER_S
    cfg.env.max_roll_pitch_deg = fall_tilt_deg
    cfg.command.resample_s = FOREVER_S
    cfg.command.table = None
    return cfg


class EvalGo2Task(JointPositionTask):
    """The Go2 task with run-time perturbation scales in State.params and a base-height fall detector.

    The rollout writes the scales into the state after reset; a step keeps them across auto-resets.
    """

    def __init__(self, cfg, fall_height: float):
        self.fall_height = fall_height  # m: base below this height is a fall
        super().__init__(cfg)

    def sample_params(self, key) -> dict:
        return {name: jnp.ones((), jnp.float32) for name in SCALES}

    def failures(self, s) -> dict:
        return {**super().failures(s), "base_height": s.base_pos_world[2] < self.fall_height}

    def step(self, state, action):
        return super().step(state, action).replace(params=state.params)  # scales survive auto-resets

    def initial_poses(self, num_envs: int, joint_noise: float, seed: int) -> np.ndarray:
        """(N, nq) start poses: the reset pose with every joint offset by uniform(-joint_noise,
        joint_noise) rad, seeded, so that environments of one sweep row are distinct trials."""
        qpos = np.tile(self.initial_qpos(), (num_envs, 1))
        offsets = np.random.default_rng(seed).uniform(-joint_noise, joint_noise, (num_envs, len(self.joints.qpos_adr)))
        qpos[:, self.joints.qpos_adr] += offsets
        return qpos.astype(np.float32)
