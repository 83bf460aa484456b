"""The Unitree G1 (assets/g1/) and its two published velocity policies read as published: the model's
figures, standing on both engines, unitree_rl_lab's history policy (slice tag, SDK-indexed gains,
480-D term-major history), mjlab's policy (normaliser inside the ONNX, applied once) walking."""

import json
import os

import jax.numpy as jnp
import mujoco
import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

from legged_mjx.batch import BatchedEnv
from legged_mjx.math import roll_pitch
from legged_mjx.model import load_model, motor_actuators
from legged_mjx.policies import load_policy
from legged_mjx.robots import load_robot
from legged_mjx.sim2sim.eval_task import evaluation_task
from legged_mjx.sim2sim.exports.facts import load_yaml
from legged_mjx.sim2sim.model_report import model_facts
from legged_mjx.sim2sim.sources import from_policy_file, read_conventions
from legged_mjx.tasks.described import robot_task_cfg
from legged_mjx.tasks.joint_position import JointPositionTask
from tests.helpers import run_sim2sim
from shared_fixtures import fixture_dir

RL_LAB = fixture_dir("unitree_g1_velocity")
MJLAB = fixture_dir("unitree_mjlab_g1_velocity")
needs_fixtures = pytest.mark.skipif(
    not (os.path.isdir(RL_LAB) and os.path.isdir(MJLAB)), reason="shared fixtures not present"
)
G1 = load_robot("g1")
SDK = G1.joint_names("unitree_sdk")


def test_g1_model_has_unitrees_joints_masses_and_motor_figures():
    model = load_model(G1.mjcf)
    assert (model.nq, model.nv, model.nu) == (36, 35, 29)
    assert [model.joint(i).name for i in range(1, model.njnt)] == SDK  # MJCF order = SDK motor order
    assert model.body_subtreemass[model.body("pelvis").id] == pytest.approx(33.341, abs=1e-3)  # URDF link masses
    limits = dict(zip(SDK, motor_actuators(model, SDK).torque_limit))
    assert (limits["left_knee_joint"], limits["waist_yaw_joint"], limits["right_ankle_roll_joint"]) == (139, 88, 50)
    assert (limits["left_elbow_joint"], limits["right_wrist_yaw_joint"]) == (25, 5)
    armature = {name: model.dof_armature[model.joint(name).dofadr[0]] for name in SDK}
    # reflected inertia I1 (g2 g3)^2 + I2 g3^2 + I3 of a 7520-22 (Unitree's rotor inertias and gears)
    assert armature["left_knee_joint"] == pytest.approx(0.489e-4 * 22.5**2 + 0.109e-4 * 25 + 0.738e-4, rel=1e-5)
    assert armature["left_ankle_pitch_joint"] == pytest.approx(2 * armature["left_elbow_joint"], rel=1e-4)
    np.testing.assert_allclose(model.joint("left_hip_roll_joint").axis, [1, 0, 0])
    np.testing.assert_allclose(model.joint("right_hip_roll_joint").range, [-2.9671, 0.5236])
    feet = [model.geom(g).name for g in range(model.ngeom) if model.geom_conaffinity[g] and model.geom(g).name]
    assert len(feet) == 14 and all("_foot" in name for name in feet)  # only the soles collide


def test_g1_isaac_order_is_the_rl_lab_exports_joint_ids_map():
    """The description's Isaac Lab order is the one unitree_rl_lab's export maps to SDK motors."""
    if not os.path.isdir(RL_LAB):
        pytest.skip("shared fixtures not present")
    joint_ids_map = load_yaml(os.path.join(RL_LAB, "deploy.yaml"))["joint_ids_map"]
    assert [SDK[i] for i in joint_ids_map] == G1.joint_names("isaac")


def stand(backend: str, kp: float, seconds: float = 2.0):
    """(fell, final base height, final pitch) of the G1 at its default pose under PD kp (kd 2) with
    zero actions, on one backend."""
    cfg = robot_task_cfg("g1")
    cfg.env.kp, cfg.env.kd = kp, 2.0
    task = JointPositionTask(cfg)
    batch = BatchedEnv(task, num_envs=1, seed=0, backend=backend)
    state, stats = batch.reset()
    fell = False
    for _ in range(int(round(seconds / task.dt))):
        state, stats = batch.step(state, stats, jnp.zeros((1, task.num_actions)))
        fell |= bool(state.terminated[0])
    qpos = np.asarray(state.physics.qpos[0], np.float64)
    return fell, qpos[2], float(roll_pitch(jnp.asarray(qpos[3:7]))[1])


@pytest.mark.parametrize("backend", ["mujoco", "mjx"])
def test_g1_stands_2_s_under_a_stiff_pd_with_zero_actions(backend):
    """Feet, masses and contacts hold the robot up: under a stiff PD (300 N m/rad on every joint)
    and zero actions, the G1 stands 2 s at its default pose, pelvis at 0.78 m, on both engines.
    (Its default gains are a policy's: with them alone it topples forward, next test.)"""
    fell, height, pitch = stand(backend, kp=300.0)
    assert not fell and height == pytest.approx(0.783, abs=0.01) and abs(pitch) < 0.05


def test_g1_topples_forward_under_its_policy_gains_without_a_policy():
    """The default gains (mjlab's, 28.5 N m/rad at each ankle) cannot hold an inverted pendulum
    whose centre of mass stands 3.3 cm ahead of the ankles (m g h = 213 N m/rad > 2 x 28.5): with
    zero actions it falls forward within 2 s, as a model with its mass where Unitree's is must."""
    cfg = robot_task_cfg("g1")
    task = JointPositionTask(cfg)
    model, data = task.mj_model, mujoco.MjData(task.mj_model)
    data.qpos[:] = task.initial_qpos()
    mujoco.mj_forward(model, data)
    ahead = data.subtree_com[1][0] - data.xpos[model.body("left_ankle_pitch_link").id][0]
    assert ahead == pytest.approx(0.033, abs=0.002)
    batch = BatchedEnv(task, num_envs=1, seed=0, backend="mujoco")
    state, stats = batch.reset()
    for _ in range(100):
        before = np.asarray(state.physics.qpos[0, :2])
        state, stats = batch.step(state, stats, jnp.zeros((1, 29)))
        if bool(state.terminated[0]):
            break
    assert bool(state.terminated[0]) and before[0] > 0.3  # fell, forward (+x)


# ----- unitree_rl_lab's G1 policy: deploy.yaml read as published -----------------------------


@needs_fixtures
def test_rl_lab_deploy_yaml_reads_with_its_slice_tag_and_sdk_indexed_gains():
    raw = load_yaml(os.path.join(RL_LAB, "deploy.yaml"))
    assert raw["actions"]["JointPositionAction"]["joint_ids"] == slice(None)  # !!python/object/apply:builtins.slice
    kind, conv = read_conventions(os.path.join(RL_LAB, "deploy.yaml"))
    assert (kind, conv.robot, conv.joint_names, conv.action_joint_names) == (
        "deploy_yaml",
        "g1",
        G1.joint_names("isaac"),
        None,
    )
    kp = dict(zip(conv.joint_names, conv.kp))
    kd = dict(zip(conv.joint_names, conv.kd))
    # stiffness/damping are indexed by SDK motor: waist 200/5, knees 150/4, ankles 40/2, arms 40/10
    assert (kp["waist_yaw_joint"], kp["left_knee_joint"], kp["right_ankle_roll_joint"], kp["left_elbow_joint"]) == (
        200.0,
        150.0,
        40.0,
        40.0,
    )
    assert (
        kd["waist_pitch_joint"],
        kd["right_knee_joint"],
        kd["left_ankle_pitch_joint"],
        kd["right_wrist_yaw_joint"],
    ) == (
        5.0,
        4.0,
        2.0,
        10.0,
    )
    default = dict(zip(conv.joint_names, conv.default_joint_pos))  # policy (Isaac) order
    assert (default["left_knee_joint"], default["left_elbow_joint"], default["right_shoulder_roll_joint"]) == (
        0.3,
        0.97,
        -0.25,
    )
    assert [(t.name, t.history_length) for t in conv.observations] == [
        ("base_ang_vel", 5),
        ("projected_gravity", 5),
        ("velocity_commands", 5),
        ("joint_pos_rel", 5),
        ("joint_vel_rel", 5),
        ("last_action", 5),
    ]
    assert (conv.sim_dt, conv.decimation, conv.action_clip) == (0.005, 4, float("inf"))
    assert "Isaac Lab's g1 velocity tasks simulate at 0.005 s" in conv.assumptions[0]


@pytest.fixture(scope="module")
def rl_lab_task():
    if not os.path.isdir(RL_LAB):
        pytest.skip("shared fixtures not present")
    source = from_policy_file(os.path.join(RL_LAB, "policy.onnx"), os.path.join(RL_LAB, "deploy.yaml"))
    return source, evaluation_task(source.task_class, source.task_cfg, None, fall_height=0.4)


def test_rl_lab_history_is_term_major_oldest_first_and_filled_with_the_first_frame(rl_lab_task):
    """480 = six terms x 5 frames, term after term (3+3+3+29+29+29 = 96 per frame); at reset every
    frame is the first; each step drops the oldest frame and appends the newest at the end."""
    source, task = rl_lab_task
    assert source.policy.obs_dim == 480
    sizes = [3, 3, 3, 29, 29, 29]
    starts = np.cumsum([0] + [5 * n for n in sizes])

    def term(obs, k):  # (5 frames, size) of term k
        return np.asarray(obs)[starts[k] : starts[k + 1]].reshape(5, sizes[k])

    batch = BatchedEnv(task, num_envs=1, seed=0, backend="mujoco")
    state, stats = batch.reset()
    obs0 = state.obs["policy"][0]
    assert obs0.shape == (480,)
    for k in range(6):
        assert (term(obs0, k) == term(obs0, k)[0]).all()  # filled with the first frame
    np.testing.assert_allclose(term(obs0, 1)[0], [0.0, 0.0, -1.0], atol=1e-6)  # projected gravity, upright
    actions = [np.full(29, 0.1, np.float32), np.linspace(-0.2, 0.2, 29).astype(np.float32)]
    for action in actions:
        state, stats = batch.step(state, stats, jnp.asarray(action)[None])
    last = term(state.obs["policy"][0], 5)  # last_action x1: frames [0, 0, 0, a1, a2], oldest first
    np.testing.assert_allclose(last, np.stack([np.zeros(29)] * 3 + actions), atol=1e-6)
    velocity = term(state.obs["policy"][0], 4)  # joint_vel_rel x0.05: the newest frame is the current state
    qvel = np.asarray(state.physics.qvel[0])[task.joints.dof_adr]
    np.testing.assert_allclose(velocity[4], 0.05 * qvel, rtol=1e-5, atol=1e-6)
    assert (velocity[0] == 0).all() and not (velocity[4] == 0).all()


def test_rl_lab_explicit_pd_is_flagged_unstable_at_5_ms(rl_lab_task):
    """Its arms' damping (10 N m s/rad) meets wrist inertias of a few 1e-3 kg m^2: as an explicit law
    at 5 ms, kd dt / I reaches ~13, and the report says so."""
    facts = model_facts(rl_lab_task[1])
    ratios = facts["explicit_damping_ratio"]
    assert ratios["left_wrist_roll_joint"] > 10 and ratios["left_elbow_joint"] > 2
    assert "left_knee_joint" not in ratios  # legs: kd 2-4 on heavy links, fine
    assert any(note.startswith("explicit PD unstable (kd dt / I > 2) on 10 joints") for note in facts["notes"])


# ----- mjlab's G1 policy: normaliser inside the ONNX, weights beside it -----------------------


def onnx_forward(path: str, obs: np.ndarray, normalise_times: int) -> np.ndarray:
    """The ONNX graph (Sub mean, Div std, then Gemm/Elu layers) by hand from its initializers, with
    the normalisation applied `normalise_times` times."""
    model = onnx.load(path)  # external weights (policy.onnx.data) beside it
    values = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    nodes = model.graph.node
    x = obs.astype(np.float64)
    for _ in range(normalise_times):
        for node in nodes[:2]:
            constant = values[node.input[1]]
            x = x - constant if node.op_type == "Sub" else x / constant
    for node in nodes[2:]:
        if node.op_type == "Gemm":
            x = x @ values[node.input[1]].T + values[node.input[2]]
        else:
            x = np.where(x > 0, x, np.expm1(x))
    return x


@needs_fixtures
def test_mjlab_normaliser_is_applied_once(tmp_path):
    path = os.path.join(MJLAB, "policy.onnx")
    assert [n.op_type for n in onnx.load(path, load_external_data=False).graph.node][:2] == ["Sub", "Div"]
    conv = read_conventions(os.path.join(MJLAB, "deploy.yaml"))[1]
    assert conv.robot == "g1" and conv.joint_names == SDK  # identity joint_ids_map: SDK order
    assert all(np.all(np.asarray(t.scale) == 1.0) for t in conv.observations)  # the file scales nothing
    assert sum(len(np.atleast_1d(t.scale)) if np.ndim(t.scale) else 29 for t in conv.observations) == 96
    policy = load_policy(path, action_dim=29)
    obs = np.random.default_rng(0).normal(size=(3, 96)).astype(np.float32)
    actions = policy(torch.from_numpy(obs)).numpy()
    np.testing.assert_allclose(actions, onnx_forward(path, obs, 1), rtol=1e-4, atol=1e-4)
    assert not np.allclose(actions, onnx_forward(path, obs, 2), atol=1e-2)  # normalising twice differs


@needs_fixtures
def test_mjlab_g1_policy_walks_on_the_g1_model(tmp_path):
    """unitree_rl_mjlab's policy, trained in MuJoCo Warp on a G1 like ours, walks as published: no
    falls, forward velocity within 25% of 0.5 m/s, standing still at zero (native MuJoCo)."""
    out = tmp_path / "report"
    code = run_sim2sim(
        *("--policy", os.path.join(MJLAB, "policy.onnx"), "--config", os.path.join(MJLAB, "deploy.yaml")),
        *("--backend", "mujoco", "--num_envs", 4, "--duration", 5, "--settle", 2, "--out", out),
        *("--sweep", "forward=0.5", "zero"),
    )
    report = json.loads((out / "report.json").read_text())
    assert report["task"] == "g1 export" and report["policy"]["obs_dim"] == 96
    assert report["overall"]["fall_rate"] == 0.0
    forward = next(r for r in report["rows"] if r["row"] == "forward +0.5")
    assert abs(forward["tracking"]["vx"]["ratio"] - 1.0) <= 0.25, forward["tracking"]["vx"]
    assert code == 0, report["verdict"]
