"""Configs: overrides by name, CLI flags reaching the saved configs, joint orders, another MJCF."""

import os
import pickle
import re

import numpy as np
import pytest

from legged_mjx.cli.train_ppo import parse_args
from legged_mjx.config import apply_overrides, load_sections, to_dict
from legged_mjx.errors import UserError
from legged_mjx.jobs.train_ppo import build_configs
from legged_mjx.joint_orders import go2_joint_names
from tests.helpers import index_map
from legged_mjx.model import asset_path
from legged_mjx.run_folders import save_run_configs
from legged_mjx.tasks import make_task, task_config

GO2_PARTS = ("hip", "thigh", "calf")


def test_joint_orders_round_trip_by_name():
    mjcf, isaac, genesis = (go2_joint_names(c) for c in ("mjcf", "isaac", "genesis"))
    assert isaac[:4] == ["FL_hip_joint", "FR_hip_joint", "RL_hip_joint", "RR_hip_joint"]
    assert genesis[:3] == ["FR_hip_joint", "FR_thigh_joint", "FR_calf_joint"]
    values = np.arange(12.0)  # a vector in MJCF order
    to_isaac, back = index_map(mjcf, isaac), index_map(isaac, mjcf)
    assert [mjcf[i] for i in to_isaac] == isaac
    np.testing.assert_array_equal(values[to_isaac][back], values)
    with pytest.raises(UserError, match="unknown joint order"):
        go2_joint_names("ros")


def test_overrides_by_bare_and_dotted_names():
    cfg = task_config("ballu", {"GCR": 0.9, "env.spcf": "0.0807", "GCR_range": "[0.75, 0.89]"})
    assert cfg.env.GCR == 0.9 and cfg.env.spcf == pytest.approx(0.0807) and cfg.env.GCR_range == [0.75, 0.89]
    cfg = apply_overrides(task_config("go2"), {"obs.groups": {"policy": [{"name": "base_ang_vel", "scale": 0.2}]}})
    assert cfg.obs.groups["policy"][0].scale == 0.2
    with pytest.raises(UserError, match="unknown config key 'nope'"):
        task_config("go2", {"nope": 1})


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("env.sim_dt", "abc", "'env.sim_dt' needs a value of type float, got 'abc'"),
        ("env.decimation", "2.5", "'env.decimation' needs a value of type int, got 2.5"),
        ("env.action_latency", "3", "'env.action_latency' needs a value of type bool, got 3"),
        ("env.knee", "stiff", "'env.knee' needs a value of type dict, got 'stiff'"),
        ("env.sim_dt", "0", "'env.sim_dt' must be > 0, got 0.0"),
        ("env.sim_dt", "nan", "'env.sim_dt' must be > 0, got nan"),
        ("GCR", "-1", "'env.GCR' must be > 0, got -1.0"),
        ("GCR_range", "[0.9, 0.7]", "'env.GCR_range' must be two values 0 < LO <= HI, got [0.9, 0.7]"),
        ("GCR_range", "[0, 0.7]", "must be two values 0 < LO <= HI"),
        ("GCR_range", "[0.7]", "must be two values 0 < LO <= HI"),
        ("spcf", "-0.1", "'env.spcf' must be >= 0"),
        ("drag", "-0.4", "'env.drag' must be >= 0"),
    ],
)
def test_override_of_wrong_type_or_out_of_range_is_a_user_error(key, value, message):
    with pytest.raises(UserError) as error:
        task_config("ballu", {key: value})
    assert message in str(error.value)


def test_overrides_keep_their_field_types():
    cfg = task_config("ballu", {"GCR": 1, "GCR_range": [0.8, 0.8], "decimation": "3", "spcf": "0"})
    assert cfg.env.GCR == 1.0 and isinstance(cfg.env.GCR, float) and cfg.env.decimation == 3 and cfg.env.spcf == 0.0
    assert task_config("go2", {"env.kp": "2"}).env.kp == 2.0 and isinstance(task_config("go2", {"kp": 2}).env.kp, float)
    assert task_config("go2", {"env.kp": "[20, 20]"}).env.kp == [20, 20]
    with pytest.raises(UserError, match=re.escape("'env.kp' needs a value of type float | list, got 'stiff'")):
        task_config("go2", {"env.kp": "stiff"})


def test_saved_configs_rebuild_the_same_task_config(tmp_path):
    cfg = task_config("ballu", {"GCR": 0.8, "drag": 0.4})
    save_run_configs(str(tmp_path), {"task": "ballu", **to_dict(cfg), "train": {}})
    with open(tmp_path / "cfgs.pkl", "rb") as handle:
        saved = pickle.load(handle)
    assert to_dict(load_sections(task_config(saved["task"]), saved)) == to_dict(cfg)
    assert "GCR: 0.8" in (tmp_path / "cfgs.yaml").read_text()


def test_ballu_cli_flags_reach_the_configs():
    args = parse_args(
        [
            "--task",
            "ballu",
            "--GCR",
            "0.8",
            "--GCR_range",
            "0.75",
            "0.89",
            "--spcf",
            "0.0807",
            "--drag",
            "0.4",
            "--set",
            "train.algorithm.learning_rate=3e-4",
            "--max_iterations",
            "7",
        ]
    )
    cfg, train = build_configs(args)
    assert args.task == "ballu" and args.resume_from is None
    assert (cfg.env.GCR, cfg.env.GCR_range, cfg.env.spcf, cfg.env.drag) == (0.8, [0.75, 0.89], 0.0807, 0.4)
    assert train["algorithm"]["learning_rate"] == 3e-4 and train["max_iterations"] == 7
    assert train["num_steps_per_env"] == 20  # BALLU's PPO config, not go2_train's


def test_another_go2_mjcf_is_wired_by_joint_name(tmp_path):
    """Actuators declared in reverse order are replaced by motors in joint order that drive the right
    joints with the same torque limits."""
    text = open(asset_path("go2", "go2.xml")).read()
    head, rest = text.split("<actuator>")
    body, tail = rest.split("</actuator>")
    lines = [line for line in body.strip().splitlines()]
    (tmp_path / "go2.xml").write_text(head + "<actuator>\n" + "\n".join(reversed(lines)) + "\n</actuator>" + tail)
    (tmp_path / "scene.xml").write_text(open(asset_path("go2", "scene.xml")).read())
    task = make_task("go2", xml_path=str(tmp_path / "scene.xml"))
    model = task.mj_model
    for name, actuator in zip(task.cfg.env.joint_names, task.actuators.motors.ids):
        assert model.actuator_trnid[actuator, 0] == model.joint(name).id
    (note,) = task.model_notes  # replaced, in joint order, with the model's torque limits
    assert "listed in another order than the joints" in note and "23.7 N m on 8, 45.43 N m on 4" in note
    assert [model.actuator(a).name for a in range(model.nu)][:3] == [f"FL_{part}_joint_motor" for part in GO2_PARTS]
    np.testing.assert_allclose(task.actuators.torque_limit, make_task("go2").actuators.torque_limit)
    assert os.path.basename(task.cfg.env.xml_path) == "scene.xml"
