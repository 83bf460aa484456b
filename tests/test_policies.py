"""Policy loading: TorchScript, ONNX and rsl_rl checkpoints of 2.x, 3.x/4.x and 5.x layouts agree."""

import os

import pytest
import torch

from shared_fixtures import fixture_dir
from legged_mjx.errors import UserError
from legged_mjx.policies import load_policy

FIXTURE = fixture_dir("isaac_go2_velocity")


@pytest.mark.skipif(not os.path.isdir(FIXTURE), reason="shared fixtures not present")
def test_isaac_fixture_torchscript_and_onnx_agree_on_a_batch():
    jit_policy = load_policy(os.path.join(FIXTURE, "policy.pt"))
    onnx_policy = load_policy(os.path.join(FIXTURE, "policy.onnx"))
    assert (jit_policy.obs_dim, jit_policy.action_dim) == (45, 12) == (onnx_policy.obs_dim, onnx_policy.action_dim)
    obs = torch.randn(7, 45, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(jit_policy(obs), onnx_policy(obs), rtol=1e-4, atol=1e-5)
    with pytest.raises(UserError, match=r"expects observations of shape \(N, 45\)"):
        jit_policy(torch.zeros(3, 48))


@pytest.fixture(scope="module")
def trained(tiny_run):
    return tiny_run


def test_rsl_rl_5_checkpoint_matches_its_torchscript_export(trained):
    from_checkpoint = load_policy(str(trained / "model_1.pt"))
    exported = load_policy(str(trained / "exported" / "policy.pt"))
    assert from_checkpoint.kind == "rsl_rl" and exported.kind == "torchscript"
    obs = 3.0 * torch.randn(5, 50, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(from_checkpoint(obs), exported(obs), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("layout", ["2.x", "3.x"])
def test_older_rsl_rl_layouts_load_to_the_same_policy(trained, tmp_path, layout):
    actor = torch.load(trained / "model_1.pt", weights_only=False)["actor_state_dict"]
    model = {k.replace("mlp.", "actor."): v for k, v in actor.items() if k.startswith("mlp.")}
    model["std"] = torch.ones(12)
    normalizer = {k.replace("obs_normalizer.", ""): v for k, v in actor.items() if k.startswith("obs_normalizer.")}
    if layout == "2.x":
        checkpoint = {"model_state_dict": model, "obs_norm_state_dict": normalizer, "iter": 1}
    else:
        model.update({f"actor_obs_normalizer.{k}": v for k, v in normalizer.items()})
        checkpoint = {"model_state_dict": model, "iter": 1}
    torch.save(checkpoint, tmp_path / "old.pt")
    obs = torch.randn(4, 50, generator=torch.Generator().manual_seed(2))
    expected = load_policy(str(trained / "model_1.pt"))(obs)
    torch.testing.assert_close(load_policy(str(tmp_path / "old.pt"))(obs), expected)


def test_unreadable_policies_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="policy file not found"):
        load_policy(str(tmp_path / "none.pt"))
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    with pytest.raises(UserError, match="cannot read policy"):
        load_policy(str(tmp_path / "junk.pt"))
    torch.save({"weights": 1}, tmp_path / "other.pt")
    with pytest.raises(UserError, match="not an rsl_rl checkpoint"):
        load_policy(str(tmp_path / "other.pt"))
