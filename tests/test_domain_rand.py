"""Domain randomisation: each parameter's physical effect, the sampling, the preset, and the same
randomised task on the native and MJX backends."""

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest

from legged_mjx.batch import BatchedEnv
from legged_mjx.cli.train_ppo import parse_args
from legged_mjx.config import SECTIONS, to_dict
from legged_mjx.domain_rand import DomainRandCfg
from legged_mjx.errors import UserError
from legged_mjx.jobs.train_ppo import build_configs
from legged_mjx.run_config import run_config
from legged_mjx.run_folders import save_run_configs
from legged_mjx.sim2sim.eval_task import evaluation_config
from legged_mjx.tasks import make_task, randomization_overrides, task_config
from tests.helpers import host_data

GRAVITY = 9.81


def go2_with(env=None, **domain_rand):
    overrides = {f"domain_rand.{k}": v for k, v in domain_rand.items()}
    return make_task("go2", task_config("go2", {**(env or {}), **overrides}))


def run(task, num_envs, steps, backend="mujoco", action=None, seed=0):
    batch = BatchedEnv(task, num_envs, seed=seed, backend=backend)
    state, stats = batch.reset()
    action = jnp.zeros((num_envs, task.num_actions)) if action is None else action
    for _ in range(steps):
        state, stats = batch.step(state, stats, action)
    return batch, state


def test_friction_changes_slip():
    """Standing Go2s launched sideways at 0.5 m/s: slip = sum over steps and feet in contact of the
    horizontal foot speed x dt (m). On a slippery floor (friction x0.2) the feet slide 3x as far as
    at x1.25 (measured 0.24 m vs 0.08 m). The tilt limit is raised so that nothing resets."""
    slips = {}
    for friction in (0.2, 1.25):
        task = go2_with({"env.max_roll_pitch_deg": 80.0}, friction_range=[friction, friction])
        batch, state = run(task, 1, 25)  # settle on the feet
        qvel = np.array(state.physics.qvel)
        qvel[0, 1] = 0.5
        state, stats = state.replace(physics=state.physics.replace(qvel=qvel)), batch.reset()[1]
        slips[friction] = 0.0
        for _ in range(15):
            state, stats = batch.step(state, stats, jnp.zeros((1, 12)))
            assert not state.done.any()
            sensed = np.asarray(state.physics.sensordata[0])
            foot_speed = np.linalg.norm(sensed[task.foot_velocity_adr].reshape(4, 3)[:, :2], axis=1)
            slips[friction] += float((foot_speed * task.feet_touching(sensed)).sum()) * task.dt
    assert slips[0.2] > 2.0 * slips[1.25] and slips[0.2] > 0.15


def test_added_base_mass_is_the_weight_the_feet_carry():
    """Standing still, the floor's normal forces sum to (M + dm) g: -1 kg and +3 kg on the base
    differ by 4 kg x 9.81 = 39.2 N."""
    carried = {}
    for added in (-1.0, 3.0):
        task = go2_with(added_base_mass_range=[added, added])
        batch, state = run(task, 1, 75)
        model = batch.backend.models[0]
        data = host_data(model, state.physics.qpos[0], state.physics.qvel[0])
        data.ctrl[:] = state.physics.ctrl[0]  # the PD torques that hold the pose
        mujoco.mj_forward(model, data)
        force = np.zeros(6)
        normal = 0.0
        for i in range(data.ncon):
            mujoco.mj_contactForce(model, data, i, force)
            normal += force[0]
        total = model.body_mass.sum()
        assert total == pytest.approx(task.mj_model.body_mass.sum() + added)
        assert normal == pytest.approx(total * GRAVITY, rel=0.03)
        carried[added] = normal
    assert carried[3.0] - carried[-1.0] == pytest.approx(4.0 * GRAVITY, rel=0.05)


def test_added_mass_scales_the_base_inertia_and_nothing_else():
    task = go2_with(added_base_mass_range=[3.0, 3.0])
    batch, _ = run(task, 1, 1)
    model, base = batch.backend.models[0], task.base_body
    ratio = (task.mj_model.body_mass[base] + 3.0) / task.mj_model.body_mass[base]
    np.testing.assert_allclose(model.body_inertia[base], task.mj_model.body_inertia[base] * ratio, rtol=1e-6)
    others = np.arange(task.mj_model.nbody) != base
    np.testing.assert_array_equal(model.body_mass[others], task.mj_model.body_mass[others])


def test_push_changes_the_base_velocity_by_the_impulse():
    """Go2s in free fall (no contact): a push every 2 control steps adds a world-frame (vx, vy)
    change of at most 0.5 m/s; without contact nothing else differs from an unpushed twin
    (Galilean invariance), so the velocity difference is exactly the sum of the pushes."""
    high = {"env.spawn_height": 3.0}  # 0.1 s of fall: still 2.95 m up
    pushed = make_task(
        "go2",
        task_config("go2", {**high, "domain_rand.push_interval_s": [0.04, 0.04], "domain_rand.push_velocity": 0.5}),
    )
    plain = make_task("go2", task_config("go2", high))
    batch_p, batch_0 = BatchedEnv(pushed, 4, backend="mujoco"), BatchedEnv(plain, 4, backend="mujoco")
    (sp, stp), (s0, st0) = batch_p.reset(), batch_0.reset()
    total = np.zeros((4, 3))
    for step in range(5):
        push = np.asarray(jax.vmap(pushed.push)(sp))[:, :3]
        assert (push != 0).any() == (step in (2, 4))  # episode steps 2 and 4
        total += push
        sp, stp = batch_p.step(sp, stp, jnp.zeros((4, 12)))
        s0, st0 = batch_0.step(s0, st0, jnp.zeros((4, 12)))
        difference = np.asarray(sp.physics.qvel)[:, :3] - np.asarray(s0.physics.qvel)[:, :3]
        np.testing.assert_allclose(difference, total, atol=1e-5)
    assert np.abs(total[:, :2]).max() <= 1.0 and np.abs(total[:, :2]).min() > 0 and not total[:, 2].any()


def test_motor_strength_scales_kp_and_kd():
    task = go2_with(gain_range=[0.9, 0.9])
    q, qd, target = jnp.zeros(12), jnp.full(12, 0.5), jnp.full(12, 0.2)
    nominal = task.joint_torque(q, qd, target, {})
    weakened = task.joint_torque(q, qd, target, {"gain": jnp.float32(0.9)})
    np.testing.assert_allclose(weakened, 0.9 * nominal, rtol=1e-6)  # 20 x 0.2 - 0.5 x 0.5 = 3.75 N m, unclipped
    assert float(nominal[0]) == pytest.approx(20.0 * 0.2 - 0.5 * 0.5)
    params = task.reset(jax.random.PRNGKey(0), jnp.int32(0)).params
    assert float(params["gain"]) == pytest.approx(0.9)


def test_reset_noise_stays_in_its_ranges():
    task = go2_with(reset_base_velocity=[0.5, 0.5, 0.5, 0.2, 0.2, 0.2], reset_joint_pos_scale=[0.5, 1.5])
    states = jax.vmap(task.reset)(jax.random.split(jax.random.PRNGKey(3), 256), jnp.arange(256))
    qvel, joints = np.asarray(states.physics.qvel[:, :6]), np.asarray(states.physics.qpos[:, task.joints.qpos_adr])
    assert (np.abs(qvel) <= np.array([0.5, 0.5, 0.5, 0.2, 0.2, 0.2]) + 1e-6).all()
    assert (np.abs(qvel).max(axis=0) > np.array([0.45, 0.45, 0.45, 0.18, 0.18, 0.18])).all()  # spread over the range
    default = task.default_joint_pos
    moved = default != 0
    scale = joints[:, moved] / default[moved]
    assert scale.min() >= 0.5 - 1e-6 and scale.max() <= 1.5 + 1e-6 and scale.std() > 0.2
    np.testing.assert_array_equal(joints[:, ~moved], 0.0)  # the hips' default 0 stays 0 (a scale)
    assert (joints >= task.joints.range_low - 1e-6).all() and (joints <= task.joints.range_high + 1e-6).all()  # clipped


def test_observation_noise_only_in_the_policy_group_with_its_width():
    """joint_vel noise 1.5 rad/s (raw) under scale 0.05: policy and critic joint_vel differ by
    uniform(-0.075, 0.075), std 0.075 / sqrt(3); the critic stays clean."""
    task = go2_with(obs_noise={"joint_vel": 1.5})
    _, state = run(task, 64, 3)
    policy = np.asarray(state.obs["policy"])
    clean = np.asarray(state.obs["critic"])[:, : policy.shape[1]]  # the critic starts with the policy terms
    vel = np.arange(26, 38)  # after lin vel 3, ang vel 3, gravity 3, commands 5, joint pos 12
    difference = policy[:, vel] - clean[:, vel]
    assert np.abs(difference).max() <= 0.075 + 1e-6
    assert difference.std() == pytest.approx(0.075 / np.sqrt(3), rel=0.1)
    np.testing.assert_array_equal(np.delete(policy, vel, axis=1), np.delete(clean, vel, axis=1))


def test_observation_noise_of_a_term_not_observed_is_an_error():
    with pytest.raises(UserError, match="base_height not in groups"):
        go2_with(obs_noise={"base_height": 0.1})  # a critic-only term


def test_model_parameters_come_in_buckets_and_bound_the_native_models():
    task = go2_with(friction_range=[0.5, 1.25], added_base_mass_range=[-1.0, 3.0], model_buckets=4)
    states = jax.vmap(task.reset)(jax.random.split(jax.random.PRNGKey(0), 512), jnp.arange(512))
    np.testing.assert_allclose(np.unique(states.params["friction"]), [0.5, 0.75, 1.0, 1.25], rtol=1e-6)
    assert len(np.unique(states.params["added_base_mass"])) == 4
    batch, _ = run(task, 64, 30, action=jnp.ones((64, 12)))  # falls and resets: new samples
    assert len(batch.backend._variants) <= 16


def test_native_and_mjx_run_the_same_randomised_task():
    task = make_task("go2", task_config("go2", randomization_overrides("go2", "isaac")))
    results = {backend: run(task, 4, 10, backend=backend)[1] for backend in ("mujoco", "mjx")}
    for name in results["mujoco"].params:
        np.testing.assert_array_equal(results["mujoco"].params[name], results["mjx"].params[name])
    np.testing.assert_allclose(results["mujoco"].physics.qpos, results["mjx"].physics.qpos, atol=2e-4)


def test_randomize_preset_flag(tmp_path):
    args = parse_args(["--randomize", "isaac", "--set", "domain_rand.push_velocity=1.0"])
    cfg, _ = build_configs(args)
    assert cfg.domain_rand.added_base_mass_range == [-1.0, 3.0] and cfg.domain_rand.push_velocity == 1.0
    assert build_configs(parse_args([]))[0].domain_rand.friction_range is None  # off by default
    with pytest.raises(UserError, match="task 'ballu' has no randomisation preset 'isaac'"):
        build_configs(parse_args(["--task", "ballu", "--randomize", "isaac"]))
    with pytest.raises(UserError, match="friction_range' must be two values 0 < LO <= HI"):
        task_config("go2", {"domain_rand.friction_range": [1.2, 0.5]})


def test_a_policy_is_watched_and_recorded_without_randomisation(tmp_path):
    """play.py and collect_trajectories.py read the run's configs through run_config, which keeps
    everything but the randomisation (sim2sim's evaluation config drops it too)."""
    cfg = task_config("go2", {**randomization_overrides("go2", "isaac"), "env.action_scale": 0.25})
    save_run_configs(str(tmp_path), {"task": "go2", **{name: to_dict(getattr(cfg, name)) for name in SECTIONS}})
    (tmp_path / "model_5.pt").write_bytes(b"")
    _, loaded, _ = run_config(str(tmp_path / "model_5.pt"), None)
    assert loaded.env.action_scale == 0.25 and loaded.domain_rand == DomainRandCfg()
    assert evaluation_config(cfg, 45.0).domain_rand == DomainRandCfg()
