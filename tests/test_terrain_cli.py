"""--terrain and --set terrain.* on the entry points: presets first, then settings, into the task's
saved configuration (bad values are in test_cli_errors.py)."""

from legged_mjx.cli import collect_trajectories, play, train_ppo
from legged_mjx.config import apply_overrides
from legged_mjx.jobs.train_ppo import build_configs
from legged_mjx.tasks import task_config
from legged_mjx.terrain.cli import terrain_overrides
from legged_mjx.terrain.presets import ROUGH


def test_train_ppo_terrain_preset_then_settings():
    args = train_ppo.parse_args(
        ["--terrain", "rough", "--set", "terrain.generator.num_rows=3", "--set", "terrain.spawn_yaw=1.0"]
    )
    cfg, _ = build_configs(args)
    assert cfg.terrain.generator == {**ROUGH, "num_rows": 3}
    assert cfg.terrain.spawn_yaw == 1.0
    assert ROUGH["num_rows"] == 10  # the preset itself is untouched


def test_go2_is_flat_and_go2_rough_can_be_flattened():
    flat, _ = build_configs(train_ppo.parse_args([]))
    assert flat.terrain.generator is None and flat.terrain.spawn_xy == 0.0 and flat.terrain.spawn_yaw == 0.0
    rough, _ = build_configs(train_ppo.parse_args(["--task", "go2-rough"]))
    assert rough.terrain.generator == ROUGH
    flattened, _ = build_configs(train_ppo.parse_args(["--task", "go2-rough", "--terrain", "flat"]))
    assert flattened.terrain.generator is None and flattened.terrain.spawn_yaw == 3.14  # the rest stays go2-rough's


def test_a_sub_terrain_parameter_is_set_by_its_path():
    cfg = task_config("go2-rough")
    apply_overrides(
        cfg, terrain_overrides(None, ["terrain.generator.sub_terrains.boxes.grid_height_range=[0.05, 0.2]"])
    )
    assert cfg.terrain.generator["sub_terrains"]["boxes"]["grid_height_range"] == [0.05, 0.2]
    assert ROUGH["sub_terrains"]["boxes"]["grid_height_range"] == [0.025, 0.1]


def test_play_and_collect_take_terrain_settings(tmp_path):
    checkpoint = tmp_path / "model_1.pt"
    checkpoint.write_bytes(b"")  # parsing only checks that it exists
    args = play.parse_args(
        ["--checkpoint", str(checkpoint), "--terrain", "rough", "--set", "terrain.generator.num_cols=5"]
    )
    assert args.terrain_overrides == {"terrain.generator": ROUGH, "terrain.generator.num_cols": "5"}
    args = collect_trajectories.parse_args(
        ["--checkpoint", str(checkpoint), "--terrain", "flat", "--set", "terrain.spawn_xy=0.2"]
    )
    assert args.terrain_overrides == {"terrain.generator": None, "terrain.spawn_xy": "0.2"}
