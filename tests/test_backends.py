"""Physics backends: native MuJoCo (float64, C threads), MJX and MJX-Warp (float32) give the same task.

From the same initial state and the same actions, both backends must give the same observations,
reward terms and terminations, reset at the same steps, and honour the model's integrator.

Tolerances (measured on the 2-core CI machine, then a margin of about 10x): the two engines run
the same algorithms (same solver, iterations and tolerance) but MJX in float32, so states differ
by float32 rounding that contact and friction-loss solves amplify slowly. Go2 over 25 control steps
(0.5 s, from spawn through landing): |dqpos| <= 6e-7 rad seen, observations <= 3e-6. BALLU over 25
steps (falling, swinging its motor arms): |dqpos| <= 4e-5, observations <= 1e-3 (joint velocities of
its light motor arms, rad/s). BALLU's solver needs up to 6 iterations (ballu.xml allows 10).
"""

import jax.numpy as jnp
import mujoco
import numpy as np
import pytest

from legged_mjx.backends import resolve_backend
from legged_mjx.batch import BatchedEnv
from legged_mjx.errors import UserError
from legged_mjx.math import roll_pitch
from legged_mjx.tasks import make_task

STEPS = 25
NUM_ENVS = 4
INTEGRATORS = {"euler": mujoco.mjtIntegrator.mjINT_EULER, "implicitfast": mujoco.mjtIntegrator.mjINT_IMPLICITFAST}


def rollout(task, backend: str, actions: np.ndarray, device=None) -> list:
    """Per control step: (obs {group: (N, D)}, reward terms, terminated, truncated, qpos), on `device`
    (a JAX device; default the CPU). benchmarks/gpu_check.py compares MJX on a GPU with it."""
    batch = BatchedEnv(task, NUM_ENVS, seed=0, backend=backend, device=device)
    state, stats = batch.reset()
    out = []
    for action in actions:
        state, stats = batch.step(state, stats, jnp.asarray(action))
        out.append(
            (
                {group: np.asarray(value) for group, value in state.obs.items()},
                {term: np.asarray(value) for term, value in state.reward_terms.items()},
                np.asarray(state.terminated),
                np.asarray(state.truncated),
                np.asarray(state.physics.qpos, np.float64),
            )
        )
    return out


TOLERANCES = {"go2": (6e-6, 3e-5), "ballu": (4e-4, 1e-2)}  # |dqpos| rad, |dobs| (see the module docstring)


def task_and_actions(name: str) -> tuple:
    """The task (15-step episodes: the auto-reset happens inside the window) and STEPS random actions."""
    task = make_task(name, episode_length_s=0.3)
    actions = np.random.default_rng(0).uniform(-1, 1, (STEPS, NUM_ENVS, task.num_actions)).astype(np.float32)
    return task, actions


@pytest.fixture(scope="module", params=["go2-mjx", "ballu-mjx", "go2-warp", "ballu-warp"])
def both_backends(request):
    """The native backend's rollout and a JAX engine's (mjx or warp), same states and actions."""
    name, engine = request.param.split("-")
    task, actions = task_and_actions(name)
    return rollout(task, "mujoco", actions), rollout(task, engine, actions), *TOLERANCES[name]


def test_same_observations_rewards_and_terminations(both_backends):
    native, mjx, qpos_tol, obs_tol = both_backends
    for k, (ours, theirs) in enumerate(zip(native, mjx)):
        obs, terms, terminated, truncated, qpos = ours
        np.testing.assert_allclose(qpos, theirs[4], atol=qpos_tol, err_msg=f"qpos, step {k}")
        for group in obs:
            np.testing.assert_allclose(obs[group], theirs[0][group], atol=obs_tol, err_msg=f"{group}, step {k}")
        for term in terms:
            np.testing.assert_allclose(terms[term], theirs[1][term], atol=obs_tol, err_msg=f"{term}, step {k}")
        assert np.array_equal(terminated, theirs[2]) and np.array_equal(truncated, theirs[3]), k


def test_same_auto_reset(both_backends):
    """Episodes of 15 steps: both truncate at step 15 and start again from the reset state."""
    native, mjx, _, _ = both_backends
    for run in (native, mjx):
        truncated = np.array([step[3] for step in run])
        assert truncated[14].all() and not truncated[:14].any() and not truncated[15:].any()
    np.testing.assert_array_equal(native[14][4], mjx[14][4])  # both hold the (identical) reset pose


@pytest.mark.parametrize("backend", ["mujoco", "mjx"])
def test_go2_stands_with_zero_actions_on_both_backends(backend):
    task = make_task("go2")
    batch = BatchedEnv(task, 2, seed=0, backend=backend)
    state, stats = batch.reset()
    for _ in range(100):  # 2 s
        state, stats = batch.step(state, stats, jnp.zeros((2, 12)))
        assert not np.asarray(state.terminated).any()
    qpos = np.asarray(state.physics.qpos)
    assert (0.22 < qpos[:, 2]).all() and (qpos[:, 2] < 0.4).all()
    assert all(abs(np.degrees(float(a))) < 5 for q in qpos for a in roll_pitch(jnp.asarray(q[3:7])))


def go2_with_joint_damping(tmp_path, integrator: str) -> str:
    """The Go2 scene with joint damping 2 N m s/rad (which implicitfast integrates implicitly) and
    converged contact solves (with Go2's cap of 4 iterations, implicitfast's solves stop short from
    warm starts that differ between the engines: 3e-2 rad apart after 10 steps; 5e-7 with 50)."""
    spec = mujoco.MjSpec.from_file(make_task("go2").cfg.env.xml_path)
    spec.option.integrator = INTEGRATORS[integrator]
    spec.option.iterations = 50
    for joint in spec.joints:
        if joint.type == mujoco.mjtJoint.mjJNT_HINGE:
            joint.damping = [2.0, 0.0, 0.0]  # linear damping coefficient first
    path = tmp_path / f"go2_{integrator}.xml"
    path.write_text(spec.to_xml())
    return str(path)


def test_every_backend_honours_the_model_integrator(tmp_path):
    """implicitfast on MJX equals implicitfast in native MuJoCo, and differs from Euler."""
    actions = np.random.default_rng(1).uniform(-1, 1, (10, NUM_ENVS, 12)).astype(np.float32)
    final = {}
    for integrator in ("euler", "implicitfast"):
        task = make_task("go2", xml_path=go2_with_joint_damping(tmp_path, integrator))
        assert task.mj_model.opt.integrator == INTEGRATORS[integrator]
        for backend in ("mujoco", "mjx"):
            final[integrator, backend] = rollout(task, backend, actions)[-1][4]
    np.testing.assert_allclose(final["implicitfast", "mjx"], final["implicitfast", "mujoco"], atol=1e-5)
    np.testing.assert_allclose(final["euler", "mjx"], final["euler", "mujoco"], atol=1e-5)
    assert np.abs(final["implicitfast", "mjx"] - final["euler", "mjx"]).max() > 1e-3


def test_backend_choice():
    assert resolve_backend("auto", "cpu") == "mujoco" and resolve_backend("auto", "cuda:0") == "mjx"
    assert resolve_backend("mjx", "cpu") == "mjx" and resolve_backend("warp", "cpu") == "warp"  # slow, for CI
    with pytest.raises(UserError, match="needs --device cpu"):
        resolve_backend("mujoco", "cuda:0")
    with pytest.raises(UserError, match="unknown backend 'bullet'"):
        resolve_backend("bullet", "cpu")


def test_native_per_environment_friction_and_mass_scales():
    """params friction / mass (sim2sim perturbations) give each environment a scaled model copy."""
    task = make_task("go2")
    batch = BatchedEnv(task, 3, seed=0, backend="mujoco")
    state, stats = batch.reset()
    params = {"friction": jnp.array([1.0, 0.5, 1.0]), "mass": jnp.array([1.0, 1.0, 1.2])}
    batch.backend.simulate(state.physics, jnp.zeros((3, 12)), params)
    models = batch.backend.models
    assert models[0] is not models[1] and models[0] is not models[2]
    np.testing.assert_allclose(models[1].geom_friction[:, 0], 0.5 * task.mj_model.geom_friction[:, 0])
    np.testing.assert_allclose(models[2].body_mass, 1.2 * task.mj_model.body_mass)
    np.testing.assert_allclose(models[0].body_mass, task.mj_model.body_mass)
