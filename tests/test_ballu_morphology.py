"""BALLU morphology: the scaling law against hand-computed numbers, the physics of each parameter
(leg lengths raise the standing pelvis, the spring sets the knee's static angle), values that
really differ per environment, and native MuJoCo and MJX on one mixed batch."""

import math
import os

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest

from legged_mjx.actuators import linkage_knee_target, spring_pd_knee_torque
from legged_mjx.batch import BatchedEnv
from legged_mjx.errors import UserError
from legged_mjx.model import asset_path
from legged_mjx.obs_layout import obs_layout
from legged_mjx.tasks import ballu_morphology as morphology
from legged_mjx.tasks import make_task
from tests.helpers import collect_ballu, host_data

G = 9.81
HELD_PELVIS = os.path.join(os.path.dirname(__file__), "assets", "ballu_held_pelvis.xml")
FEMUR0, TIBIA0 = 0.36501, 0.32  # m, nominal lengths (URDF knee offset; the Isaac project's tibia_length)
FEMUR_MASS, TIBIA_MASS, FOOT_Y = 0.00944, 0.04367, 0.38485  # URDF


@pytest.fixture(scope="module")
def spec():
    return mujoco.MjSpec.from_file(asset_path("ballu", "scene.xml"))


def full_inertia(model, body: str) -> np.ndarray:
    """The body's 3x3 inertia about its centre of mass, in the body frame."""
    b = model.body(body)
    rotation = np.zeros(9)
    mujoco.mju_quat2Mat(rotation, b.iquat)
    rotation = rotation.reshape(3, 3)
    return rotation @ np.diag(b.inertia) @ rotation.T


def test_nominal_design_is_the_shipped_model(spec):
    shipped = mujoco.MjModel.from_xml_path(asset_path("ballu", "scene.xml"))
    nominal = morphology.design_model(spec, morphology.NAMED_DESIGNS["nominal"])
    for name in ("body_pos", "body_mass", "body_ipos", "body_inertia", "geom_pos", "geom_size", "site_pos"):
        np.testing.assert_allclose(getattr(nominal, name), getattr(shipped, name), atol=1e-12, err_msg=name)


def test_femur_mass_and_inertia_follow_the_stretch_law(spec):
    """Femur 1.2x longer: mass x 1.2, centre of mass y x 1.2; about the centre of mass the second
    moment along the link (Sigma_yy = tr(I)/2 - I_yy) grows x s^3, across it (Sigma_xx, Sigma_zz) x s."""
    s = 1.2
    model = morphology.design_model(spec, morphology.Design("long femur", femur_length=s * FEMUR0))
    femur = model.body("FEMUR_LEFT")
    assert femur.mass[0] == pytest.approx(s * FEMUR_MASS)
    np.testing.assert_allclose(femur.ipos, [-0.00005, s * 0.17956, 0.0], atol=1e-12)
    ixx, iyy, izz = 1.705039e-4, 1.024278e-7, 1.704907e-4  # URDF, about the centre of mass
    half_trace = (ixx + iyy + izz) / 2
    sxx, syy, szz = half_trace - ixx, half_trace - iyy, half_trace - izz
    inertia = full_inertia(model, "FEMUR_LEFT")
    assert inertia[0, 0] == pytest.approx(s**3 * syy + s * szz, rel=1e-9)  # across the link: ~ s^3
    assert inertia[1, 1] == pytest.approx(s * sxx + s * szz, rel=1e-9)  # about its axis: ~ s
    assert inertia[2, 2] == pytest.approx(s**3 * syy + s * sxx, rel=1e-9)
    assert model.body("TIBIA_LEFT").pos[1] == pytest.approx(s * FEMUR0)  # the knee at the femur's end
    np.testing.assert_allclose(model.geom_size[model.body("FEMUR_LEFT").geomadr[0]][1], s * 0.15)  # 0.3 m tube


def test_tibia_is_a_stretched_tube_plus_a_rigid_lump(spec):
    """Tibia 0.08 m longer: the tube (the femur's 0.02586 kg/m) gains 0.08 m of mass; the lump
    below it (foot, motor arm, electronics) moves down 0.08 m; hand-computed moments."""
    length, dy = TIBIA0 + 0.08, 0.08
    model = morphology.design_model(spec, morphology.Design("long tibia", tibia_length=length))
    density = FEMUR_MASS / FEMUR0
    tube0, tube = density * TIBIA0, density * length
    tibia = model.body("TIBIA_LEFT")
    assert tibia.mass[0] == pytest.approx(TIBIA_MASS + density * dy)
    lump, lump_y = TIBIA_MASS - tube0, (TIBIA_MASS * 0.22605 - tube0 * TIBIA0 / 2) / (TIBIA_MASS - tube0)
    com_y = (tube * length / 2 + lump * (lump_y + dy)) / (TIBIA_MASS + density * dy)
    assert tibia.ipos[1] == pytest.approx(com_y, rel=1e-9)
    # inertia about the knee axis (z through the knee): I0 - tube0 (r^2/4 + L0^2/3) + tube (r^2/4 + L^2/3)
    # + lump moved: 2 dy (first moment of the lump) + lump dy^2
    r2 = 0.005**2 / 4
    shipped = mujoco.MjModel.from_xml_path(asset_path("ballu", "scene.xml"))

    def knee_axis_inertia(m):
        b = m.body("TIBIA_LEFT")
        return full_inertia(m, "TIBIA_LEFT")[2, 2] + b.mass[0] * (b.ipos[0] ** 2 + b.ipos[1] ** 2)

    expected = (
        knee_axis_inertia(shipped)
        - tube0 * (r2 + TIBIA0**2 / 3)
        + tube * (r2 + length**2 / 3)
        + 2 * dy * lump * lump_y
        + lump * dy**2
    )
    assert knee_axis_inertia(model) == pytest.approx(expected, rel=1e-9)
    np.testing.assert_allclose(model.geom("FOOT_LEFT").pos, [0, FOOT_Y + dy, 0])
    np.testing.assert_allclose(model.body("MOTORARM_RIGHT").pos, [-0.008375, 0.32732 + dy, -0.001])
    np.testing.assert_allclose(model.site("imu_tibia_left").pos[1], 0.22605 * length / TIBIA0)  # on the tube
    total = model.body_subtreemass[model.body("PELVIS").id]
    assert total == pytest.approx(0.28679 + 2 * density * dy)


def test_named_designs_follow_the_isaac_ratio_definition():
    total = FEMUR0 + TIBIA0 + 0.06  # femur + tibia + electronics
    design = morphology.NAMED_DESIGNS["fl_0.40"]
    assert design.femur_length == pytest.approx(0.40 * total)
    assert design.femur_length + design.tibia_length + 0.06 == pytest.approx(total)
    long = morphology.NAMED_DESIGNS["long_legs_0.9m"]
    assert long.femur_length + long.tibia_length + 0.06 == pytest.approx(0.9)


def test_design_config_errors():
    with pytest.raises(UserError, match="unknown BALLU design 'tall'"):
        make_task("ballu", designs=["tall"])
    with pytest.raises(UserError, match="unknown keys knee"):
        make_task("ballu", designs=[{"knee": 1.0}])
    with pytest.raises(UserError, match="femur_length 1.5 m is outside"):
        make_task("ballu", designs=[{"femur_length": 1.5}])
    with pytest.raises(UserError, match="random or cycle"):
        make_task("ballu", design_order="sorted")
    with pytest.raises(UserError, match="length_buckets"):
        make_task("ballu-morph", length_buckets=1)


# ----- physics per parameter ------------------------------------------------------------------
def test_longer_femur_or_tibia_raises_the_standing_pelvis_by_the_added_length():
    """Knees straight (motor target 0: the preloaded spring holds each knee on its lower limit),
    GCR 0.84, 1.5 s after the drop: each design stands on its feet, the hip-to-foot distance is the
    design's leg length L, the pelvis stands at L cos(tilt) + foot radius, and so higher than the
    nominal one by the added length (to 1.5 cm: the legs lean up to 0.2 rad, cos >= 0.98)."""
    designs = [{"name": "nominal"}, {"femur_length": FEMUR0 + 0.08}, {"tibia_length": TIBIA0 + 0.08}]
    designs.append({"femur_length": 0.30, "tibia_length": 0.29})
    added = np.array([0.0, 0.08, 0.08, (0.30 - FEMUR0) + (0.29 - TIBIA0)])
    task = make_task("ballu", designs=designs, design_order="cycle")
    batch = BatchedEnv(task, 4, seed=0, backend="mujoco")
    state, stats = batch.reset()
    for _ in range(75):
        state, stats = batch.step(state, stats, jnp.full((4, 2), -1.0))
    assert not np.asarray(state.terminated).any()
    pelvis_z = np.asarray(state.physics.qpos)[:, 2]
    for i in range(4):
        data = host_data(task.design_models[i], np.asarray(state.physics.qpos)[i])
        length = morphology.leg_length(task.designs[i].femur_length, task.designs[i].tibia_length)
        for side in ("LEFT", "RIGHT"):
            hip, foot = data.body(f"FEMUR_{side}").xpos, data.geom(f"FOOT_{side}").xpos
            assert foot[2] == pytest.approx(0.004, abs=0.002)  # the foot sphere rests on the floor
            assert np.linalg.norm(hip - foot) == pytest.approx(length, abs=2e-3)  # knee straight
            tilt = math.acos((hip[2] - foot[2]) / np.linalg.norm(hip - foot))
            assert tilt < 0.2 and hip[2] == pytest.approx(length * math.cos(tilt) + 0.004, abs=3e-3)
    np.testing.assert_allclose(pelvis_z - pelvis_z[0], added, atol=0.015)


def test_spring_coefficient_sets_the_knee_static_angle_the_spring_law_predicts():
    """Pelvis welded in the air, the same knee target (motor at 3 pi / 4) for four springs: the knee
    settles where the spring + PD law balances gravity, i.e. at the root of
    tau_law(q; k) - tau_gravity(q) (MuJoCo's gravity torque at that pose), within the 0.01 rad that
    the knee's 0.01 N m friction loss can hold against a ~1 N m/rad law. A stiffer spring (k) pulls the
    knee further towards its lower limit."""
    springs = [0.0, 0.01, 0.02, 0.04]
    designs = [{"name": f"k{k}", "spcf": k} for k in springs]
    task = make_task("ballu", xml_path=HELD_PELVIS, GCR=1.0, designs=designs, design_order="cycle")
    batch = BatchedEnv(task, 4, seed=0, backend="mujoco")
    state, stats = batch.reset()
    np.testing.assert_allclose(np.asarray(state.params["spcf"]), springs)
    for _ in range(150):
        state, stats = batch.step(state, stats, jnp.full((4, 2), 0.5))
    qpos = np.asarray(state.physics.qpos)
    knee = qpos[:, task.joints.qpos_adr[3]]
    target = float(linkage_knee_target(task.action_targets(jnp.array([0.5]))[0]))
    model, env = task.mj_model, task.cfg.env
    data, dof = mujoco.MjData(model), model.joint("KNEE_LEFT").dofadr[0]
    gains = {name: env.knee[name] for name in ("spring_damping", "preload", "kp", "kd", "torque_limit")}

    def imbalance(q, k, pose):
        data.qpos[:], data.qvel[:] = pose, 0.0
        data.qpos[model.joint("KNEE_LEFT").qposadr[0]] = q
        mujoco.mj_forward(model, data)
        return float(spring_pd_knee_torque(q, 0.0, target, k, **gains)) - data.qfrc_bias[dof]

    predicted = []
    for k, pose in zip(springs, qpos):
        low, high = 0.0, target  # the law pushes up below the root, down above it
        for _ in range(40):
            low, high = (
                ((low + high) / 2, high) if imbalance((low + high) / 2, k, pose) > 0 else (low, (low + high) / 2)
            )
        predicted.append((low + high) / 2)
    np.testing.assert_allclose(knee, predicted, atol=0.01)
    assert np.all(np.diff(knee) < -0.03)  # each stiffer spring: at least 0.03 rad lower


# ----- a batch of many morphologies --------------------------------------------------------------
@pytest.fixture(scope="module")
def morph_batch():
    """ballu-morph: 64 designs on an 8 x 8 grid of lengths, spcf and GCR in their ranges."""
    task = make_task("ballu-morph")
    batch = BatchedEnv(task, 32, seed=1, backend="mujoco")
    return task, batch, *batch.reset()


def test_per_environment_values_really_differ_across_the_batch(morph_batch):
    task, batch, state, _ = morph_batch
    params = {name: np.asarray(value) for name, value in state.params.items()}
    assert len(task.designs) == 64 and len(np.unique(params["design"])) > 16
    for name, (lo, hi) in [("femur_length", (0.35, 0.5)), ("tibia_length", (0.29, 0.45)), ("spcf", (0.001, 0.01))]:
        assert params[name].min() >= lo - 1e-6 and params[name].max() <= hi + 1e-6 and params[name].std() > 0.02 * hi
    assert params["gcr"].min() >= 0.75 and params["gcr"].max() <= 0.89 and params["gcr"].std() > 0.01
    # the observation: morphology vector (femur, tibia, spcf, gcr) at the end of the critic, and the policy's
    layout = {term["name"]: term for term in obs_layout(task)["critic"]}
    start = layout["morphology"]["start"]
    critic = np.asarray(state.obs["critic"])
    expected = np.stack([params[name] for name in morphology.PARAM_NAMES], axis=1)
    np.testing.assert_allclose(critic[:, start : start + 4], expected, rtol=1e-6)
    assert [t.name for t in task.cfg.obs.groups["policy"]] == ["commands", "joint_pos", "joint_vel"]
    policy_task = make_task("ballu-morph-policy", femur_length_range=None, tibia_length_range=None)
    assert [t.name for t in policy_task.cfg.obs.groups["policy"]][-1] == "morphology"
    # buoyancy balances GCR x this design's own total mass
    buoyancy_z = critic[:, layout["buoyancy_force"]["start"] + 2]
    masses = task.total_mass[params["design"]]
    np.testing.assert_allclose(buoyancy_z, params["gcr"] * masses * G, rtol=1e-5)
    assert masses.std() > 1e-3
    # each environment simulates its own design: the native backend's model per environment (set
    # when it simulates the step), and the reset pose raised by the design's extra leg length
    batch.step(state, morph_batch[3], jnp.zeros((batch.num_envs, 2)))
    models = batch.backend.models
    for i in range(len(models)):
        assert models[i].body("TIBIA_LEFT").pos[1] == pytest.approx(params["femur_length"][i], abs=1e-6)
        foot = models[i].geom("FOOT_RIGHT").pos[1]
        assert foot == pytest.approx(params["tibia_length"][i] + FOOT_Y - TIBIA0, abs=1e-6)
    extra = params["femur_length"] + params["tibia_length"] - FEMUR0 - TIBIA0
    np.testing.assert_allclose(np.asarray(state.physics.qpos)[:, 2], 1.2 + extra, atol=1e-5)


def test_designs_are_resampled_at_reset_and_cycle_by_environment(morph_batch):
    task, batch, state, stats = morph_batch
    last = jnp.full(batch.num_envs, task.max_episode_length - 1, jnp.int32)  # every episode times out and resets
    again, _ = batch.step(batch.commit(state.replace(episode_step=last)), stats, jnp.zeros((batch.num_envs, 2)))
    assert np.asarray(again.truncated).all()
    assert np.mean(np.asarray(again.params["design"]) != np.asarray(state.params["design"])) > 0.8
    cycle = make_task("ballu", designs=["nominal", "fl_0.40", "fl_0.55"], design_order="cycle")
    params = jax.vmap(cycle.sample_params)(jax.random.split(jax.random.PRNGKey(0), 6), jnp.arange(6))
    np.testing.assert_array_equal(params["design"], [0, 1, 2, 0, 1, 2])


def test_native_and_mjx_agree_on_a_mixed_batch():
    """Four designs (short and long femurs, 0.9 m legs) with their own spcf and GCR, 25 steps of
    random actions, an auto-reset at step 15: the same as tests/test_backends.py asks of BALLU."""
    designs = ["nominal", "fl_0.35", {"name": "fl_0.55", "spcf": 0.02}, {"name": "long_legs_0.9m", "GCR": 0.8}]
    task = make_task("ballu", designs=designs, design_order="cycle", episode_length_s=0.3, GCR_range=[0.8, 0.88])
    actions = np.random.default_rng(0).uniform(-1, 1, (25, 4, 2)).astype(np.float32)
    runs = {}
    for backend in ("mujoco", "mjx"):
        batch = BatchedEnv(task, 4, seed=0, backend=backend)
        state, stats = batch.reset()
        runs[backend] = []
        for action in actions:
            state, stats = batch.step(state, stats, jnp.asarray(action))
            runs[backend].append((np.asarray(state.physics.qpos, np.float64), np.asarray(state.obs["critic"])))
        np.testing.assert_array_equal(np.asarray(state.params["design"]), [0, 1, 2, 3])
    for k, ((qpos, obs), (qpos_mjx, obs_mjx)) in enumerate(zip(runs["mujoco"], runs["mjx"])):
        np.testing.assert_allclose(qpos, qpos_mjx, atol=4e-4, err_msg=f"qpos, step {k}")
        np.testing.assert_allclose(obs, obs_mjx, atol=1e-2, err_msg=f"critic obs, step {k}")
    heights = runs["mujoco"][0][0][:, 2]
    assert heights[3] > heights[0] + 0.1  # the 0.9 m legs spawn (and fall) 0.155 m higher


def test_decimation_10_runs_at_20_hz():
    """The Isaac project's BALLU configs step the policy at 20 Hz (decimation 10 at 200 Hz)."""
    task = make_task("ballu", decimation=10)
    assert task.dt == pytest.approx(0.05) and task.max_episode_length == 400
    batch = BatchedEnv(task, 2, seed=0, backend="mujoco")
    state, stats = batch.reset()
    state, stats = batch.step(state, stats, jnp.zeros((2, 2)))
    assert float(state.physics.time[0]) == pytest.approx(0.05)


# ----- datasets -----------------------------------------------------------------------------------
def test_datasets_save_each_episodes_morphology_and_replay_it_bitwise(tmp_path):
    """Collected with designs drawn at every reset: meta/morphology holds each episode's (femur,
    tibia, spcf, gcr), equal to its per-transition params, and replay rebuilds each episode's model."""
    from legged_mjx.collection.replay import replay

    designs = ["nominal", "fl_0.40", "long_legs_0.9m"]
    task = make_task("ballu", designs=designs, spcf_range=[0.002, 0.02], episode_length_s=0.2)
    traj = collect_ballu(task, tmp_path / "ballu_designs.h5", 16)
    assert traj.attrs["format_version"] == 4 and traj.attrs["morphology_names"] == list(morphology.PARAM_NAMES)
    morph = traj.meta["morphology"]
    assert morph.shape == (16, 4) and morph.dtype == np.float32
    for e, start in enumerate(traj.meta["episode_start"]):
        for j, name in enumerate(morphology.PARAM_NAMES):
            assert np.all(traj.episode(e)[f"state/params/{name}"] == morph[e, j])
    assert len(np.unique(morph[:, 0])) == 3 and len(np.unique(morph[:, 2])) == 16  # designs and springs vary
    for e, replayed in enumerate(replay(traj, range(16))):
        for key, value in traj.episode(e).items():
            assert np.array_equal(replayed[key], value), (e, key)


def test_version_3_datasets_stay_readable(tmp_path):
    """Version 4 only adds keys: a version 3 file (no morphology) loads; older ones are refused."""
    from legged_mjx import dataset

    episode = dataset.Episode({"action": np.zeros((3, 2), np.float32)}, {"episode_return": np.float32(0)})
    for version in (3, 2):
        path = str(tmp_path / f"v{version}.h5")
        dataset.commit(path, [episode], {"format": dataset.FORMAT, "format_version": version})
        if version == 3:
            assert dataset.load_trajectories(path).data["action"].shape == (3, 2)
        else:
            with pytest.raises(UserError, match="dataset format 2, this code reads 3, 4"):
                dataset.load_trajectories(path)
