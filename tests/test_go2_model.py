"""The Go2 MJCF: loads in MuJoCo and MJX, has the reference's joints, masses, limits and contacts."""

import mujoco
import numpy as np
import pytest
from mujoco import mjx

from legged_mjx.errors import UserError
from legged_mjx.joint_orders import go2_joint_names
from legged_mjx.model import asset_path, load_model, motor_actuators

SCENE = asset_path("go2", "scene.xml")


@pytest.fixture(scope="module")
def model():
    return load_model(SCENE)


def test_loads_in_mujoco_and_mjx(model):
    assert (model.nq, model.nv, model.nu) == (19, 18, 12)
    mx = mjx.put_model(model)
    assert mx.nq == 19


def test_joint_names_follow_depth_first_mjcf_order(model):
    names = [model.joint(i).name for i in range(1, model.njnt)]
    assert names == go2_joint_names("mjcf")
    assert names[:3] == ["FL_hip_joint", "FL_thigh_joint", "FL_calf_joint"]


def test_total_mass_is_the_published_15_21_kg(model):
    assert model.body_subtreemass[model.body("base").id] == pytest.approx(6.921 + 4 * (0.678 + 1.152 + 0.241352))
    assert model.body_subtreemass[model.body("base").id] == pytest.approx(15.21, abs=0.005)


def test_joint_axes_ranges_and_torque_limits(model):
    assert np.allclose(model.joint("FR_hip_joint").axis, [1, 0, 0])
    assert np.allclose(model.joint("RL_calf_joint").axis, [0, 1, 0])
    assert np.allclose(model.joint("FL_thigh_joint").range, [-1.5708, 3.4907])
    assert np.allclose(model.joint("RR_thigh_joint").range, [-0.5236, 4.5379])
    assert np.allclose(model.joint("FR_calf_joint").range, [-2.7227, -0.83776])
    limits = motor_actuators(model, go2_joint_names("mjcf")).torque_limit
    assert np.allclose(limits, [23.7, 23.7, 45.43] * 4)


def test_only_feet_touch_the_floor(model):
    data = mujoco.MjData(model)
    data.qpos[2] = 0.0  # base on the floor: every geom that can collide would
    mujoco.mj_forward(model, data)
    touching = {model.geom(data.contact.geom[i, 1]).name for i in range(data.ncon)}
    touching |= {model.geom(data.contact.geom[i, 0]).name for i in range(data.ncon)}
    assert touching == {"floor", "FL_foot", "FR_foot", "RL_foot", "RR_foot"}


def test_imu_and_foot_sites(model):
    assert np.allclose(model.site("imu").pos, [-0.02557, 0, 0.04232])
    for leg in ("FL", "FR", "RL", "RR"):
        assert np.allclose(model.site(f"{leg}_foot").pos, [-0.002, 0, -0.213])
        assert model.site(f"{leg}_foot").bodyid == model.body(f"{leg}_calf").id


def test_missing_or_broken_model_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="model file not found"):
        load_model(str(tmp_path / "nope.xml"))
    broken = tmp_path / "broken.xml"
    broken.write_text("<mujoco><worldbody><body></mujoco>")
    with pytest.raises(UserError, match="cannot load MJCF"):
        load_model(str(broken))
    with pytest.raises(UserError, match="no floor"):
        load_model(asset_path("go2", "go2.xml"))
