"""The locomotion task core, pure JAX: `reset(key, env_id)` and `step(state, action)` for ONE
environment. Batching is `jax.vmap`, compilation `jax.jit` (see batch.py).

A control step: clip the action (NaN/inf rows are zeroed and flagged) -> optional one-step
latency -> joint targets -> `decimation` physics substeps, each running the robot's actuator law
and applied forces -> Snapshot -> rewards, terminations -> command resampling -> observations ->
auto-reset of a finished environment to a fresh episode. Robots (tasks/go2.py, tasks/ballu.py)
subclass LocomotionTask and fill in the hooks marked "robot hook".
"""

import abc
import math
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np
from mujoco import mjx

from legged_mjx import math as lmath
from legged_mjx.commands import CommandCfg, check_commands, sample_command
from legged_mjx.errors import UserError
from legged_mjx.model import collision_spheres_of_bodies, joint_index, load_model, scale_model
from legged_mjx.observations import ObsCfg, check_layout, observe
from legged_mjx.physics import simulate
from legged_mjx.state import Snapshot, State
from rewards import RewardCfg, check_weights, compute_rewards


@dataclass
class EnvCfg:
    """Simulation, action and episode settings shared by all robots (SI units, radians)."""

    xml_path: str = ""
    sim_dt: float = 0.005  # physics timestep (s)
    decimation: int = 4  # physics substeps per control step
    episode_length_s: float = 20.0  # time-out (a truncation, not a failure)
    spawn_height: float = 0.3  # root body height at reset (m)
    joint_names: list = field(default_factory=list)  # observed joints, in observation order
    default_joint_pos: dict = field(default_factory=dict)  # joint name -> rad (reset pose, obs offset)
    foot_bodies: list = field(default_factory=list)  # bodies whose collision sphere is a foot
    action_clip: float = 100.0  # actions are clipped to +-action_clip
    action_latency: bool = True  # apply the previous step's action (one control step of latency)
    friction_scale: float = 1.0  # multiplies every geom's sliding friction (perturbation studies)
    mass_scale: float = 1.0  # multiplies every body's mass and inertia (perturbation studies)


@dataclass
class TaskCfg:
    """The four configuration sections saved with every run (plus the train config)."""

    env: EnvCfg
    obs: ObsCfg
    reward: RewardCfg
    command: CommandCfg


class LocomotionTask(abc.ABC):
    """Shared reset/step machinery; subclasses supply the robot hooks."""

    num_actions: int

    def __init__(self, cfg: TaskCfg):
        self.cfg = cfg
        env = cfg.env
        check_layout(cfg.obs)
        check_weights(cfg.reward)
        check_commands(cfg.command)
        if env.decimation < 1 or env.sim_dt <= 0:
            raise UserError("need decimation >= 1 and sim_dt > 0")
        self.mj_model = load_model(env.xml_path)
        self.mj_model.opt.timestep = env.sim_dt
        scale_model(self.mj_model, friction=env.friction_scale, mass=env.mass_scale)
        self.joints = joint_index(self.mj_model, env.joint_names)
        missing = [n for n in env.joint_names if n not in env.default_joint_pos]
        if missing:
            raise UserError(f"default_joint_pos missing for: {', '.join(missing)}")
        self.default_joint_pos = np.asarray([env.default_joint_pos[n] for n in env.joint_names], np.float32)
        self.foot_geoms = collision_spheres_of_bodies(self.mj_model, env.foot_bodies)
        self.setup()
        self.mjx_model = mjx.put_model(self.mj_model)
        self.dt = env.sim_dt * env.decimation
        self.max_episode_length = int(math.ceil(env.episode_length_s / self.dt - 1e-9))
        self.resample_steps = max(1, int(round(cfg.command.resample_s / self.dt)))
        self.reset_data = self._initial_data()
        self._foot_contact_slots = self._contact_slots(self.reset_data)

    # ----- robot hooks -------------------------------------------------------------------------
    def setup(self) -> None:
        """Robot hook: look up robot-specific indices in self.mj_model (may edit it)."""

    def initial_qpos(self) -> np.ndarray:
        """Robot hook: qpos at reset. Default: model qpos0, root at spawn_height, default pose."""
        qpos = self.mj_model.qpos0.copy()
        qpos[2] = self.cfg.env.spawn_height
        qpos[self.joints.qpos_adr] = self.default_joint_pos
        return qpos

    def sample_params(self, key: jax.Array) -> dict:
        """Robot hook: per-environment physics parameters, sampled at every reset."""
        return {}

    def physics_model(self, params: dict) -> mjx.Model:
        """Robot hook: the MJX model one environment simulates (parameters may modify it)."""
        return self.mjx_model

    @abc.abstractmethod
    def action_targets(self, action: jax.Array) -> jax.Array:
        """Robot hook: actuator targets from the (clipped, possibly delayed) action."""

    @abc.abstractmethod
    def control(self, data: mjx.Data, targets: jax.Array, params: dict) -> tuple:
        """Robot hook: (ctrl, xfrc_applied) for one physics substep at the current state."""

    def extras(self, data: mjx.Data, params: dict) -> dict:
        """Robot hook: robot-specific readings for the Snapshot (IMUs, applied forces)."""
        return {}

    def failures(self, s: Snapshot) -> dict:
        """Robot hook: termination conditions, name -> bool (non-finite state is added here)."""
        return {}

    # ----- reset and step ----------------------------------------------------------------------
    def _initial_data(self) -> mjx.Data:
        data = mjx.make_data(self.mjx_model)
        data = data.replace(qpos=jnp.asarray(self.initial_qpos(), dtype=data.qpos.dtype))
        return jax.jit(mjx.forward)(self.mjx_model, data)

    def _contact_slots(self, data: mjx.Data) -> np.ndarray:
        """(feet, ncon) bool: which of MJX's fixed contact slots belong to each foot."""
        geoms = np.asarray(data._impl.contact.geom).reshape(-1, 2)
        return np.stack([(geoms == g).any(axis=1) for g in self.foot_geoms])

    def snapshot(self, data, command, action, prev_action, params) -> Snapshot:
        """The Snapshot of an MJX state (foot contact: a foot's contact slot penetrates)."""
        touching = data._impl.contact.dist < 0.0
        foot_contact = (jnp.asarray(self._foot_contact_slots) & touching).any(axis=1)
        return self.state_snapshot(
            data.qpos, data.qvel, foot_contact, command, action, prev_action, params, self.extras(data, params)
        )

    def state_snapshot(self, qpos, qvel, foot_contact, command, action, prev_action, params, extras) -> Snapshot:
        """The Snapshot of a physics state given as arrays (shared with the native MuJoCo backend)."""
        quat = qpos[3:7]
        return Snapshot(
            base_pos_world=qpos[0:3],
            base_quat_world=quat,
            lin_vel_world=qvel[0:3],
            lin_vel_body=lmath.quat_rotate_inverse(quat, qvel[0:3]),
            ang_vel_body=qvel[3:6],
            gravity_body=lmath.gravity_body(quat),
            joint_pos=qpos[self.joints.qpos_adr],
            joint_vel=qvel[self.joints.dof_adr],
            default_joint_pos=jnp.asarray(self.default_joint_pos),
            command=command,
            action=action,
            prev_action=prev_action,
            foot_contact=foot_contact,
            params=params,
            extras=extras,
        )

    def reset(self, key: jax.Array, env_id: jax.Array) -> State:
        """A fresh episode: the reset pose at rest, a new command and new physics parameters."""
        key, key_command, key_params = jax.random.split(key, 3)
        params = self.sample_params(key_params)
        command = sample_command(self.cfg.command, key_command, env_id)
        no_action = jnp.zeros(self.num_actions, jnp.float32)
        data = self.reset_data
        snap = self.snapshot(data, command, no_action, no_action, params)
        obs, history = observe(self.cfg.obs, snap)
        zero = jnp.zeros((), jnp.float32)
        no_failures = {name: jnp.zeros((), bool) for name in [*self.failures(snap), "non_finite"]}
        finished = self._episode_summary(
            {name: zero for name in self.cfg.reward.weights}, jnp.zeros((), jnp.int32), no_failures, False
        )
        return State(
            data=data,
            obs=obs,
            obs_history=history,
            reward=zero,
            reward_terms={name: zero for name in self.cfg.reward.weights},
            terminated=jnp.zeros((), bool),
            truncated=jnp.zeros((), bool),
            episode_step=jnp.zeros((), jnp.int32),
            command=command,
            last_action=no_action,
            params=params,
            key=key,
            env_id=env_id,
            episode_sums={name: zero for name in self.cfg.reward.weights},
            finished=finished,
            final={"qpos": data.qpos, "qvel": data.qvel, "obs": obs},
            action_was_finite=jnp.ones((), bool),
        )

    def _episode_summary(self, episode_sums, episode_step, failures, time_out) -> dict:
        """Per-episode statistics handed to the logger when an episode ends."""
        summary = {f"Episode_Reward/{name}": value for name, value in episode_sums.items()}
        summary["Episode/length_s"] = episode_step.astype(jnp.float32) * self.dt
        for name, failed in failures.items():
            summary[f"Episode_Termination/{name}"] = jnp.asarray(failed, jnp.float32)
        summary["Episode_Termination/time_out"] = jnp.asarray(time_out, jnp.float32)
        return summary

    def apply_action(self, action: jax.Array, last_action: jax.Array) -> tuple:
        """(clipped action, actuator targets, action was finite): NaN/inf actions become zeros; with
        latency the targets come from `last_action` (the previous clipped action)."""
        clip = self.cfg.env.action_clip
        finite = jnp.isfinite(action).all()
        action = jnp.where(finite, jnp.clip(action, -clip, clip), 0.0)
        targets = self.action_targets(last_action if self.cfg.env.action_latency else action)
        return action, targets, finite

    def step(self, state: State, action: jax.Array) -> State:
        """One control step (see the module docstring). The returned state carries this step's
        reward, terminated/truncated, finished-episode statistics and final (pre-reset) state, and
        is already the next episode's first state where the episode ended."""
        env = self.cfg.env
        action, targets, action_was_finite = self.apply_action(action, state.last_action)
        data = simulate(
            self.physics_model(state.params),
            state.data,
            lambda d: self.control(d, targets, state.params),
            env.decimation,
        )

        snap = self.snapshot(data, state.command, action, state.last_action, state.params)
        physics_ok = jnp.isfinite(data.qpos).all() & jnp.isfinite(data.qvel).all()
        reward, terms = compute_rewards(self.cfg.reward, snap, self.dt)
        reward = jnp.where(physics_ok, reward, 0.0)
        terms = {name: jnp.where(physics_ok, value, 0.0) for name, value in terms.items()}
        failures = {**self.failures(snap), "non_finite": ~physics_ok}
        terminated = jnp.any(jnp.stack(list(failures.values())))
        episode_step = state.episode_step + 1
        truncated = (episode_step >= self.max_episode_length) & ~terminated
        episode_sums = {name: state.episode_sums[name] + value for name, value in terms.items()}

        key, key_command, key_reset = jax.random.split(state.key, 3)
        resample = episode_step % self.resample_steps == 0
        command = jnp.where(resample, sample_command(self.cfg.command, key_command, state.env_id), state.command)
        obs, history = observe(self.cfg.obs, snap.replace(command=command), state.obs_history)
        running = state.replace(
            data=data,
            obs=obs,
            obs_history=history,
            episode_step=episode_step,
            command=command,
            last_action=action,
            key=key,
            episode_sums=episode_sums,
        )
        done = terminated | truncated
        fresh = self.reset(key_reset, state.env_id)
        next_state = jax.tree.map(lambda f, r: jnp.where(done, f, r), fresh, running)
        return next_state.replace(
            reward=reward,
            reward_terms=terms,
            terminated=terminated,
            truncated=truncated,
            finished=self._episode_summary(episode_sums, episode_step, failures, truncated),
            final={"qpos": data.qpos, "qvel": data.qvel, "obs": obs},
            action_was_finite=action_was_finite,
        )
