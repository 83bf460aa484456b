"""The locomotion task core, pure JAX and engine-agnostic: `reset(key, env_id)`, `begin_step`,
`control` and `finish_step` for ONE environment. Batching is `jax.vmap`; a physics backend
(legged_mjx/backends) advances the physics between `begin_step` and `finish_step`.

A control step: clip the action (NaN/inf rows are zeroed and flagged) -> optional one-step
latency -> joint targets (`begin_step`) -> `decimation` physics substeps, each running the robot's
`control` hook (actuator law, applied forces) and one engine step (the backend) -> Snapshot ->
rewards, terminations -> command resampling -> observations -> auto-reset of a finished
environment to a fresh episode (`finish_step`). Robots (tasks/go2.py, tasks/ballu.py) subclass
LocomotionTask and fill in the hooks marked "robot hook".
"""

import abc
import math
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from legged_mjx import math as lmath
from legged_mjx import domain_rand
from legged_mjx.commands import CommandCfg, check_commands, sample_command
from legged_mjx.domain_rand import DomainRandCfg
from legged_mjx.episode_log import episode_log
from legged_mjx.errors import UserError
from legged_mjx.foot_timers import initial_timers, update_timers
from legged_mjx.model import apply_model_params, compile_spec, joint_index, load_spec, root_body
from legged_mjx.model_edits import add_foot_sensors, foot_contact_adr
from legged_mjx.observations import ObsCfg, check_layout, observe
from legged_mjx.state import Physics, Snapshot, State, physics_of
from legged_mjx.terrain.config import TerrainCfg
from legged_mjx.terrain.task_terrain import TaskTerrain
from rewards import RewardCfg, check_weights, compute_rewards


@dataclass
class EnvCfg:
    """Simulation, action and episode settings shared by all robots (SI units, radians); section
    `env` of a TaskCfg. Robots extend it (JointPositionEnvCfg, tasks/ballu.py's BalluEnvCfg).

    xml_path is the MJCF scene with its floor (from the working directory; the robots' defaults are
    absolute paths under assets/): a missing file, a root without a free joint as the first joint or
    a scene without a floor plane is a UserError. A control step lasts sim_dt x decimation s; an
    episode max_episode_length = ceil(episode_length_s / that) steps. Also checked when the task is
    built (UserError): decimation >= 1, sim_dt > 0, a default_joint_pos
    entry for every joint of joint_names, one value per foot contact sensor; range limits of
    `--set` values are in legged_mjx.config.LIMITS.
    """

    xml_path: str = ""
    sim_dt: float = 0.005  # physics timestep (s)
    decimation: int = 4  # physics substeps per control step
    episode_length_s: float = 20.0  # time-out (a truncation, not a failure)
    spawn_height: float = 0.3  # root body height at reset (m)
    joint_names: list = field(default_factory=list)  # observed joints, in observation order
    default_joint_pos: dict = field(default_factory=dict)  # joint name -> rad (reset pose, obs offset)
    foot_contact_sensors: list = field(default_factory=list)  # MJCF contact sensors, one per foot (> 0: touching)
    foot_geoms: list = field(default_factory=list)  # regex per foot: where the model lacks a foot's sensors, added here
    foot_sites: list = field(default_factory=list)  # regex per foot: a sole site for the added velocity sensor
    robot: str = ""  # the robot description (legged_mjx/robots.py) this config follows, "" for none
    action_clip: float = 100.0  # actions are clipped to +-action_clip
    action_latency: bool = True  # apply the previous step's action (one control step of latency)
    friction_scale: float = 1.0  # multiplies every geom's sliding friction (perturbation studies)
    mass_scale: float = 1.0  # multiplies every body's mass and inertia (perturbation studies)


@dataclass
class TaskCfg:
    """The configuration sections saved with every run (plus the train config): env (EnvCfg or a
    robot's subclass), obs (ObsCfg), reward (RewardCfg), command (CommandCfg), domain_rand
    (DomainRandCfg, off by default). legged_mjx.tasks.task_config(name) gives a task's default;
    config.apply_overrides sets fields by `section.field`; cfgs.pkl stores it as plain dicts
    (config.to_dict) that config.load_sections reads back.
    """

    env: EnvCfg
    obs: ObsCfg
    reward: RewardCfg
    command: CommandCfg
    domain_rand: DomainRandCfg = field(default_factory=DomainRandCfg)
    terrain: TerrainCfg = field(default_factory=TerrainCfg)


def initial_physics(model: mujoco.MjModel, qpos: np.ndarray) -> Physics:
    """The Physics of `qpos` at rest (float32 numpy), sensors evaluated by MuJoCo's forward pass."""
    data = mujoco.MjData(model)
    data.qpos[:] = qpos
    mujoco.mj_forward(model, data)
    physics = physics_of(data).replace(qacc_warmstart=np.zeros(model.nv))  # no solve yet to start from
    return jax.tree.map(lambda value: np.array(value, np.float32), physics)


class LocomotionTask(abc.ABC):
    """Shared reset/step machinery for ONE environment, pure JAX; subclasses supply the robot hooks.

    Built from a TaskCfg (`LocomotionTask(cfg)`; legged_mjx.tasks.make_task builds a registered
    task by name). Attributes after construction: cfg, mj_model (mujoco.MjModel of env.xml_path,
    timestep sim_dt), num_actions (A), dt (control period, s), max_episode_length (control steps),
    joints (indices of env.joint_names), default_joint_pos ((J,) rad). Batch it with
    legged_mjx.batch.BatchedEnv, or through torch with legged_mjx.vecenv.LeggedVecEnv.

    The contract, checked at construction (`_check_contract`): a subclass sets `num_actions` (a
    class attribute or in `setup`) and implements `action_targets` and `control`, whose outputs
    must have the shapes their docstrings state; a broken hook raises TypeError naming it. Bad
    config values raise UserError (unknown observation terms, reward terms or command ranges, a
    missing joint, sensor or default pose entry)."""

    num_actions: int  # policy action dimension

    def __init__(self, cfg: TaskCfg):
        self.cfg = cfg
        env = cfg.env
        check_layout(cfg.obs)
        check_weights(cfg.reward)
        check_commands(cfg.command)
        if env.decimation < 1 or env.sim_dt <= 0:
            raise UserError("need decimation >= 1 and sim_dt > 0")
        if cfg.terrain.generator is not None and not self.supports_terrain:
            raise UserError(
                f"{type(self).__name__} runs on the flat floor only (terrain.generator must be null: --terrain flat)"
            )
        self.terrain = TaskTerrain(cfg.terrain, env.episode_length_s)
        spec = load_spec(env.xml_path)
        self.mj_model = compile_spec(spec, env.xml_path)
        self.model_notes = self.edit_spec(spec, self.mj_model)  # what was changed in the MJCF, and why
        self.model_notes += self.terrain.add_to(spec)
        if self.model_notes:
            self.mj_model = compile_spec(spec, env.xml_path)
        self.terrain.bind(self.mj_model)
        if not math.isclose(self.mj_model.opt.timestep, env.sim_dt):
            self.model_notes.append(
                f"physics timestep {env.sim_dt:g} s (the model's own is {self.mj_model.opt.timestep:g} s)"
            )
        self.mj_model.opt.timestep = env.sim_dt
        self.base_body = root_body(self.mj_model)
        self.adapt_model(self.mj_model)
        self.joints = joint_index(self.mj_model, env.joint_names)
        missing = [n for n in env.joint_names if n not in env.default_joint_pos]
        if missing:
            raise UserError(f"default_joint_pos missing for: {', '.join(missing)}")
        self.default_joint_pos = np.asarray([env.default_joint_pos[n] for n in env.joint_names], np.float32)
        self.foot_contact_adr = foot_contact_adr(self.mj_model, env.foot_contact_sensors)  # (F, K)
        self.setup()
        self.obs_noise = domain_rand.observation_noise(cfg.domain_rand, cfg.obs.groups)
        self.dt = env.sim_dt * env.decimation
        self.max_episode_length = int(math.ceil(env.episode_length_s / self.dt - 1e-9))
        self.resample_steps = max(1, int(round(cfg.command.resample_s / self.dt)))
        self.reset_physics = initial_physics(self.mj_model, self.initial_qpos())
        self.pushes = domain_rand.pushes(cfg.domain_rand)
        self._check_contract()

    def adapt_model(self, model: mujoco.MjModel) -> None:
        """Edit a compiled model of this task's robot in place to the config: physics timestep,
        friction and mass scales (done to mj_model at construction; robots call it for their designs)."""
        env = self.cfg.env
        model.opt.timestep = env.sim_dt
        apply_model_params(model, {"friction": env.friction_scale, "mass": env.mass_scale}, self.base_body)

    def _check_contract(self) -> None:
        """The robot hooks' outputs have the shapes the backends and the policy rely on."""
        num_actions = getattr(self, "num_actions", None)
        if not isinstance(num_actions, int) or num_actions < 1:
            raise TypeError(f"{type(self).__name__} must set num_actions (a positive int), got {num_actions!r}")
        action = jax.ShapeDtypeStruct((num_actions,), jnp.float32)
        targets = jax.eval_shape(self.action_targets, action)
        params = jax.eval_shape(self.sample_params, jax.random.PRNGKey(0), jnp.int32(0))
        ctrl, xfrc = jax.eval_shape(self.control, self.reset_physics, targets, params)
        model = self.mj_model
        if ctrl.shape != (model.nu,):
            raise TypeError(f"{type(self).__name__}.control must return ctrl of shape ({model.nu},), got {ctrl.shape}")
        expected = (model.nbody, 6) if self.applies_body_forces else None
        if (xfrc.shape if xfrc is not None else None) != expected:
            raise TypeError(
                f"{type(self).__name__}.control must return xfrc_applied of shape {expected} "
                f"(applies_body_forces={self.applies_body_forces})"
            )

    # ----- robot hooks -------------------------------------------------------------------------
    applies_body_forces = False  # True if `control` returns Cartesian body forces (xfrc_applied)
    supports_terrain = True  # False: the robot runs on the scene's flat floor only

    def edit_spec(self, spec, model) -> list:
        """Robot hook: edit the MJCF (MjSpec `spec`; `model` is it compiled as loaded) before the
        task compiles it; returns notes, one line per change. Default: add the foot sensors the
        model lacks (model_edits.add_foot_sensors, from env.foot_geoms and env.foot_sites)."""
        env = self.cfg.env
        velocity = getattr(env, "foot_velocity_sensors", [])
        return add_foot_sensors(spec, model, env.foot_contact_sensors, velocity, env.foot_geoms, env.foot_sites)

    def setup(self) -> None:
        """Robot hook: look up robot-specific indices in self.mj_model (may edit it)."""

    def initial_qpos(self) -> np.ndarray:
        """Robot hook: qpos at reset. Default: model qpos0, root at spawn_height, default pose."""
        qpos = self.mj_model.qpos0.copy()
        qpos[2] = self.cfg.env.spawn_height
        qpos[self.joints.qpos_adr] = self.default_joint_pos
        return qpos

    def sample_params(self, key: jax.Array, env_id: jax.Array) -> dict:
        """Robot hook: per-environment physics parameters, sampled at every reset (env_id: the
        environment's index in the batch). An int32 "design" among them picks the environment's
        model from `design_models`."""
        return {}

    morphology_names: tuple = ()  # robot hook: the params that make the robot's morphology vector (datasets save it)
    design_models: tuple = ()  # robot hook: compiled models of the robot's designs (all of mj_model's
    # topology), one per environment by params["design"]; () = mj_model for every environment

    def reset_physics_of(self, params: dict) -> Physics:
        """Robot hook: the physics a fresh episode starts from, given its params (default: the reset
        pose of mj_model)."""
        return jax.tree.map(jnp.asarray, self.reset_physics)

    @abc.abstractmethod
    def action_targets(self, action: jax.Array) -> jax.Array:
        """Robot hook: actuator targets from the (clipped, possibly delayed) action."""

    @abc.abstractmethod
    def control(self, physics: Physics, targets: jax.Array, params: dict) -> tuple:
        """Robot hook: (ctrl (nu,), xfrc_applied (nbody, 6) or None) for one physics substep.

        Every backend calls it before each engine step with that substep's qpos and qvel and the
        sensordata MuJoCo's previous step left (evaluated at that step's start, one substep old)."""

    def extras(self, physics: Physics, params: dict) -> dict:
        """Robot hook: robot-specific readings for the Snapshot (IMUs, applied forces)."""
        return {}

    def failures(self, s: Snapshot) -> dict:
        """Robot hook: termination conditions, name -> bool (non-finite state is added here)."""
        return {}

    # ----- reset and step ----------------------------------------------------------------------
    def feet_touching(self, sensordata):
        """(..., F) bool: each foot's contact sensors (foot_contact_adr) report a contact."""
        return (sensordata[..., self.foot_contact_adr] > 0).any(axis=-1)

    def snapshot(self, physics: Physics, *, command, params, action=None, prev_action=None) -> Snapshot:
        """What observation, reward and termination terms may read, from one environment's physics;
        action and prev_action (clipped policy actions) default to zeros and the foot timers are a
        fresh episode's, as at a reset (finish_step puts the running ones in)."""
        no_action = jnp.zeros(self.num_actions, jnp.float32)
        action = no_action if action is None else action
        prev_action = no_action if prev_action is None else prev_action
        qpos, qvel = physics.qpos, physics.qvel
        quat = qpos[3:7]
        ground = self.terrain.scan(qpos[0:3], quat)
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
            foot_contact=self.feet_touching(physics.sensordata),
            height_scan=qpos[2] - ground - self.cfg.terrain.height_scan_offset,
            ground_height=jnp.mean(ground),
            params=params,
            extras=self.extras(physics, params),
            foot_timers=initial_timers(len(self.foot_contact_adr)),
        )

    def reset(self, key: jax.Array, env_id: jax.Array, cell: dict | None = None) -> State:
        """A fresh episode: the reset pose at rest, a new command and new physics parameters, on the
        terrain `cell` ({terrain_level, terrain_type}; None: the first episode's)."""
        key, key_command, key_params, key_random, key_start, key_noise = jax.random.split(key, 6)
        params = domain_rand.sample_params(self.cfg.domain_rand, key_random, self.dt)
        params.update(self.sample_params(key_params, env_id))
        if self.terrain.terrain is not None:
            params.update(cell or self.terrain.initial_cell(jax.random.fold_in(key_start, 1), env_id))
        command = sample_command(self.cfg.command, key_command, env_id)
        no_action = jnp.zeros(self.num_actions, jnp.float32)
        physics = self.reset_physics_of(params)
        qpos, qvel = domain_rand.reset_state(
            self.cfg.domain_rand,
            key_start,
            physics.qpos,
            physics.qvel,
            self.joints.qpos_adr,
            self.default_joint_pos,
            (self.joints.range_low, self.joints.range_high),
        )
        qpos = self.terrain.spawn(qpos, params, jax.random.fold_in(key_start, 2))
        physics = physics.replace(qpos=qpos, qvel=qvel)
        snap = self.snapshot(physics, command=command, params=params)
        obs, history = observe(self.cfg.obs, snap, noise=self.obs_noise, key=key_noise)
        zero = jnp.zeros((), jnp.float32)
        no_failures = {name: jnp.zeros((), bool) for name in [*self.failures(snap), "non_finite"]}
        ended_episode = self._episode_log(
            {name: zero for name in self.cfg.reward.weights}, jnp.zeros((), jnp.int32), no_failures, False
        )
        return State(
            physics=physics,
            obs=obs,
            obs_history=history,
            reward=zero,
            reward_terms={name: zero for name in self.cfg.reward.weights},
            terminated=jnp.zeros((), bool),
            truncated=jnp.zeros((), bool),
            episode_step=jnp.zeros((), jnp.int32),
            foot_timers=snap.foot_timers,
            command=command,
            prev_action=no_action,
            params=params,
            key=key,
            env_id=env_id,
            episode_sums={name: zero for name in self.cfg.reward.weights},
            ended_episode=ended_episode,
            pre_reset={"physics": physics, "obs": obs},
            action_was_finite=jnp.ones((), bool),
        )

    def batch_log(self, state: State) -> dict:
        """Log entries over the whole (batched) state, every step: Isaac Lab's Curriculum/terrain_levels,
        the mean terrain level (terrain tasks only)."""
        if self.terrain.terrain is None:
            return {}
        return {"Curriculum/terrain_levels": jnp.mean(state.params["terrain_level"].astype(jnp.float32))}

    def _episode_log(self, reward_sums, episode_step, failures, time_out) -> dict:
        """The log entries of an episode that ends here (episode_log.py), time-out as a reason."""
        return episode_log(reward_sums, episode_step * self.dt, {**failures, "time_out": time_out})

    def begin_step(self, action: jax.Array, prev_action: jax.Array) -> tuple:
        """(clipped action, actuator targets, action was finite): NaN/inf actions become zeros; with
        latency the targets come from `prev_action` (the previous step's clipped action)."""
        clip = self.cfg.env.action_clip
        finite = jnp.isfinite(action).all()
        action = jnp.where(finite, jnp.clip(action, -clip, clip), 0.0)
        targets = self.action_targets(prev_action if self.cfg.env.action_latency else action)
        return action, targets, finite

    def push(self, state: State) -> jax.Array:
        """(nv,) base-velocity change applied before this step's physics (domain_rand pushes; the
        backends add it to qvel). Only called when self.pushes."""
        key = jax.random.fold_in(state.key, 1)  # finish_step splits state.key; this branch is unused there
        return domain_rand.push_velocity(self.cfg.domain_rand, key, state.episode_step, state.params, self.mj_model.nv)

    def finish_step(self, state: State, physics: Physics, action: jax.Array, action_was_finite) -> State:
        """The rest of a control step once the backend has simulated it (see the module docstring).
        The returned state carries this step's reward, terminated/truncated, finished-episode
        statistics and pre-reset physics, and is already the next episode's first state
        where the episode ended."""
        snap = self.snapshot(
            physics, command=state.command, params=state.params, action=action, prev_action=state.prev_action
        )
        physics_ok = jnp.isfinite(physics.qpos).all() & jnp.isfinite(physics.qvel).all()
        failures = {**self.failures(snap), "non_finite": ~physics_ok}
        terminated = jnp.any(jnp.stack(list(failures.values())))
        timers = update_timers(state.foot_timers, snap.foot_contact, self.dt)
        snap = snap.replace(foot_timers=timers, terminated=terminated)
        reward, terms = compute_rewards(self.cfg.reward, snap, self.dt)
        reward = jnp.where(physics_ok, reward, 0.0)
        terms = {name: jnp.where(physics_ok, value, 0.0) for name, value in terms.items()}
        episode_step = state.episode_step + 1
        truncated = (episode_step >= self.max_episode_length) & ~terminated
        episode_sums = {name: state.episode_sums[name] + value for name, value in terms.items()}

        key, key_command, key_reset, key_noise = jax.random.split(state.key, 4)
        resample = episode_step % self.resample_steps == 0
        command = jnp.where(resample, sample_command(self.cfg.command, key_command, state.env_id), state.command)
        obs, history = observe(
            self.cfg.obs, snap.replace(command=command), state.obs_history, noise=self.obs_noise, key=key_noise
        )
        running = state.replace(
            physics=physics,
            obs=obs,
            obs_history=history,
            episode_step=episode_step,
            foot_timers=snap.foot_timers,
            command=command,
            prev_action=action,
            key=key,
            episode_sums=episode_sums,
        )
        done = terminated | truncated
        cell = None
        if self.terrain.terrain is not None:
            key_cell = jax.random.fold_in(key_reset, 3)
            cell = self.terrain.next_cell(state.params, physics.qpos[0:2], state.command, key_cell)
        fresh = self.reset(key_reset, state.env_id, cell)
        next_state = jax.tree.map(lambda f, r: jnp.where(done, f, r), fresh, running)
        return next_state.replace(
            reward=reward,
            reward_terms=terms,
            terminated=terminated,
            truncated=truncated,
            ended_episode=self._episode_log(episode_sums, episode_step, failures, truncated),
            pre_reset={"physics": physics, "obs": obs},
            action_was_finite=action_was_finite,
        )
