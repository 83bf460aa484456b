"""Run folders: every form of a --checkpoint argument (file, run folder, iteration of --load_run's
run, newest), the saved configs (cfgs.pkl read, cfgs.yaml generated), and one-line errors."""

import os
import pickle

import pytest

from legged_mjx.errors import UserError
from legged_mjx.run_folders import (
    checkpoint_iteration,
    resolve_checkpoint,
    run_configs_of,
    run_folder,
    save_run_configs,
)


@pytest.fixture()
def logs(tmp_path):
    """logs/go2-ppo-dynaflow/ with two runs: an older one (model_0, model_100, model_99) and a newer
    one (model_0, model_5), plus a run folder without checkpoints."""
    experiment = tmp_path / "go2-ppo-dynaflow"
    for run, iterations in (("2025-01-01_00-00-00", (0, 100, 99)), ("2025-02-01_00-00-00", (0, 5))):
        (experiment / run).mkdir(parents=True)
        save_run_configs(str(experiment / run), {"task": "go2", "num_envs": 64, "device": "cpu"})
        for it in iterations:
            (experiment / run / f"model_{it}.pt").write_bytes(b"")
    (experiment / "2025-03-01_00-00-00").mkdir()  # a start that saved no checkpoint
    return tmp_path


def test_every_form_of_a_checkpoint_argument(logs):
    root, old, new = str(logs), "2025-01-01_00-00-00", "2025-02-01_00-00-00"
    folder = os.path.join(root, "go2-ppo-dynaflow")

    def resolve(argument, load_run=None):
        return resolve_checkpoint(argument, load_run, root, "go2-ppo-dynaflow")

    assert resolve(None) == resolve("-1") == os.path.join(folder, new, "model_5.pt")  # newest run, newest model
    assert resolve(None, old) == resolve("-1", old) == os.path.join(folder, old, "model_100.pt")  # by number, not name
    assert resolve("99", old) == os.path.join(folder, old, "model_99.pt")
    assert resolve(os.path.join(folder, old)) == os.path.join(folder, old, "model_100.pt")  # a run folder
    assert resolve(None, os.path.join(folder, old)) == os.path.join(folder, old, "model_100.pt")  # --load_run path
    assert resolve(os.path.join(folder, old, "model_0.pt")) == os.path.join(folder, old, "model_0.pt")
    assert resolve_checkpoint(os.path.join(folder, new)) == os.path.join(folder, new, "model_5.pt")  # play, collect
    assert checkpoint_iteration(resolve(None)) == 5 and checkpoint_iteration("policy.onnx") is None
    with pytest.raises(UserError, match=r"--checkpoint 7: no model_7.pt in .*2025-02-01_00-00-00 \(has 0, 5\)"):
        resolve("7")
    with pytest.raises(UserError, match="--load_run 2024: no run folder"):
        resolve(None, "2024")
    with pytest.raises(UserError, match="no model_<it>.pt in"):
        resolve(os.path.join(folder, "2025-03-01_00-00-00"))
    with pytest.raises(UserError, match="checkpoint not found: 5"):
        resolve_checkpoint("5")  # an iteration needs a log root (train_ppo.py)
    with pytest.raises(UserError, match="no checkpoint to resume under"):
        resolve_checkpoint(None, None, root, "ballu-ppo-dynaflow")


def test_cfgs_pkl_is_read_and_cfgs_yaml_is_generated(tmp_path, capsys):
    configs = {"task": "go2", "num_envs": 8, "train": {"seed": 1}}
    save_run_configs(str(tmp_path), configs)
    text = (tmp_path / "cfgs.yaml").read_text()
    assert text.startswith("# Generated from cfgs.pkl") and "num_envs: 8" in text
    assert run_configs_of(str(tmp_path / "model_3.pt")) == configs and capsys.readouterr().err == ""
    (tmp_path / "cfgs.yaml").write_text(text.replace("num_envs: 8", "num_envs: 4096"))  # an edit is not read
    assert run_configs_of(str(tmp_path / "model_3.pt"))["num_envs"] == 8
    assert "cfgs.yaml differs from cfgs.pkl, which is what is read" in capsys.readouterr().err
    (tmp_path / "exported").mkdir()
    assert run_folder(str(tmp_path / "exported" / "policy.pt")) == str(tmp_path)  # an export's run


def test_a_damaged_cfgs_pkl_is_one_line_naming_the_file(tmp_path):
    data = pickle.dumps({"task": "go2", "env": {"sim_dt": 0.005}})
    (tmp_path / "cfgs.pkl").write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match=r"cfgs.pkl is damaged or truncated \(") as error:
        run_configs_of(str(tmp_path / "model_1.pt"))
    assert str(tmp_path / "cfgs.pkl") in str(error.value) and "\n" not in str(error.value)
    (tmp_path / "cfgs.pkl").write_bytes(pickle.dumps([1, 2]))
    with pytest.raises(UserError, match="is not a run's configs"):
        run_configs_of(str(tmp_path / "model_1.pt"))
