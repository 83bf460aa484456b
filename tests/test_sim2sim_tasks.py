"""sim2sim on every task of the project: the evaluation task built for any task name, which
perturbations apply, and measurements taken from the MJCF and the config (BALLU by hand)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from legged_mjx.errors import UserError
from legged_mjx.sim2sim.eval_task import SCALES, applicable_keys, evaluation_task
from legged_mjx.sim2sim.measure import Measure
from legged_mjx.tasks import make_task, task_config


@pytest.fixture(scope="module")
def ballu():
    return evaluation_task("ballu", task_config("ballu"), None, fall_height=0.15)


def test_evaluation_task_keeps_the_task_and_adds_scales_and_a_height_fall(ballu):
    assert type(ballu).__name__ == "EvalBalluTask" and isinstance(ballu, type(make_task("ballu")))
    assert ballu.num_actions == 2 and ballu.cfg.reward.weights == {} and list(ballu.cfg.obs.groups) == ["policy"]
    params = ballu.sample_params(jax.random.PRNGKey(0), jnp.int32(0))
    assert set(params) == {"gcr", "spcf", "drag", "femur_length", "tibia_length", *SCALES} and float(
        params["gcr"]
    ) == pytest.approx(0.84)
    state = ballu.reset(jax.random.PRNGKey(0), jnp.int32(0))
    snap = ballu.snapshot(
        state.physics,
        command=state.command,
        params=state.params,
        action=state.prev_action,
        prev_action=state.prev_action,
    )
    failures = ballu.failures(snap)
    assert set(failures) == {"root_speed", "height_band", "base_height"} and not any(failures.values())
    low = snap.replace(base_pos_world=snap.base_pos_world.at[2].set(0.12))  # inside BALLU's band, below 0.15 m
    assert bool(ballu.failures(low)["base_height"]) and not bool(ballu.failures(low)["height_band"])


def test_a_run_trained_with_domain_randomisation_is_evaluated_without_it():
    cfg = task_config("go2", {"domain_rand.gain_range": [0.8, 1.2], "domain_rand.push_velocity": 1.0})
    cfg.domain_rand.push_interval_s, cfg.domain_rand.obs_noise = [1.0, 2.0], {"joint_vel": 1.5}
    task = evaluation_task("go2", cfg, None, fall_height=0.15)
    assert task.cfg.domain_rand == type(cfg.domain_rand)() and not task.pushes
    states = [task.reset(jax.random.PRNGKey(seed), jnp.int32(0)) for seed in (3, 4)]
    assert {name: float(v) for name, v in states[0].params.items()} == dict.fromkeys(SCALES, 1.0)
    obs = [np.delete(np.asarray(state.obs["policy"]), np.s_[9:14]) for state in states]  # all but the commands
    np.testing.assert_array_equal(*obs)  # no reset noise, no observation noise


def test_fall_tilt_widens_a_tilt_termination_and_is_refused_without_one():
    go2 = evaluation_task("go2", task_config("go2"), None, fall_height=0.15)
    assert go2.cfg.env.max_roll_pitch_deg == 45.0 and task_config("go2").env.max_roll_pitch_deg == 10.0
    assert evaluation_task("go2", task_config("go2"), 30.0, 0.15).cfg.env.max_roll_pitch_deg == 30.0
    with pytest.raises(UserError, match="--fall_tilt: this task has no tilt termination"):
        evaluation_task("ballu", task_config("ballu"), 30.0, 0.15)


def test_gain_applies_where_the_control_law_reads_it(ballu):
    go2 = evaluation_task("go2", task_config("go2"), None, fall_height=0.15)
    assert applicable_keys(go2) == ("push", "friction", "mass", "gain")
    assert applicable_keys(ballu) == ("push", "friction", "mass")  # knee spring-PD and motor PD have fixed gains


def test_ballu_measurements_by_hand(ballu):
    """4 motors (knees and motor arms), torques clipped to their 0.0848 N m; power from the driven
    joints' velocities; limit hits over the 7 observed joints; no foot-slip keys (no foot velocity sensors)."""
    measure = Measure(ballu)
    model = ballu.mj_model
    driven = sorted(model.joint(int(model.actuator_trnid[a, 0])).name for a in measure.motors.ids)
    assert driven == ["KNEE_LEFT", "KNEE_RIGHT", "MOTOR_LEFT", "MOTOR_RIGHT"] and not measure.foot_slip
    qpos = ballu.initial_qpos()
    knee = model.joint("KNEE_LEFT")
    qpos[knee.qposadr[0]] = model.jnt_range[knee.id, 1]  # one joint at its upper limit
    qvel = np.zeros(model.nv)
    qvel[0] = 0.3
    qvel[knee.dofadr[0]] = 2.0
    ctrl = np.zeros(model.nu)
    ctrl[model.actuator("KNEE_LEFT").id] = 1.0  # beyond the 0.0848 N m limit
    ctrl[model.actuator("MOTOR_RIGHT").id] = -0.05
    physics = jax.tree.map(lambda v: jnp.asarray(v, jnp.float32), ballu.reset_physics).replace(
        qpos=jnp.asarray(qpos, jnp.float32), qvel=jnp.asarray(qvel, jnp.float32), ctrl=jnp.asarray(ctrl)
    )
    params = ballu.sample_params(jax.random.PRNGKey(0), jnp.int32(0))
    snap = ballu.snapshot(physics, command=jnp.array([0.2, 0.0]), params=params, action=jnp.array([0.5, -0.5]))
    measured = measure(snap, physics)
    np.testing.assert_array_equal(measured.pop("base_xy"), np.asarray(qpos[:2], np.float32))  # world position
    m = {name: float(value) for name, value in measured.items()}
    assert set(m) == {"vx", "vy", "wz", "torque_abs", "torque_peak", "power", "action_rate", "limit_hits"}
    assert m["vx"] == pytest.approx(0.3, abs=1e-6) and m["torque_peak"] == pytest.approx(0.0848)
    assert m["torque_abs"] == pytest.approx((0.0848 + 0.05) / 4, rel=1e-5)
    assert m["power"] == pytest.approx(0.0848 * 2.0, rel=1e-5) and m["action_rate"] == pytest.approx(0.5)
    assert m["limit_hits"] == 1.0
