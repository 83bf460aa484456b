"""The rsl_rl VecEnv contract, DLPack zero-copy both ways, input checks, and a real OnPolicyRunner."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from jax._src.array import ArrayImpl
from rsl_rl.env import VecEnv
from rsl_rl.runners import on_policy_runner
from rsl_rl.utils.logger import Logger
from tensordict import TensorDict

from env_wrapper import make_env
from legged_mjx.errors import UserError
from legged_mjx.tasks import train_config
from legged_mjx.training import DeviceLogger, Runner


def test_vecenv_attributes(go2_env):
    env = go2_env
    assert isinstance(env, VecEnv)
    assert (env.num_envs, env.num_actions, env.max_episode_length) == (16, 12, 1000)
    assert env.device == torch.device("cpu")
    assert env.episode_length_buf.shape == (16,)
    assert env.mj_model.nu == 12
    assert isinstance(env.cfg, dict) and env.cfg["env"]["decimation"] == 4


def test_step_returns_rsl_rl_types(go2_env):
    env = go2_env
    obs, _ = env.reset()
    assert isinstance(obs, TensorDict) and set(obs.keys()) == {"policy", "critic"}
    assert obs["policy"].shape == (16, 50) and obs["critic"].shape == (16, 61)
    obs, rewards, dones, extras = env.step(torch.zeros(16, 12))
    assert rewards.shape == (16,) and rewards.dtype == torch.float32
    assert dones.shape == (16,) and extras["time_outs"].shape == (16,)
    assert {"Episode_Reward/tracking_lin_vel", "Episode/length_s", "Episode_Termination/time_out"} <= set(extras["log"])
    assert all(isinstance(v, torch.Tensor) for v in extras["log"].values())


def test_observations_are_zero_copy_views_and_survive_later_steps(go2_env):
    env = go2_env
    env.reset()
    obs, rewards, _, _ = env.step(0.5 * torch.ones(16, 12))
    assert obs["policy"].data_ptr() == env.state.obs["policy"].unsafe_buffer_pointer()
    assert rewards.data_ptr() == env.state.reward.unsafe_buffer_pointer()
    kept, kept_values = obs["policy"], obs["policy"].clone()
    for _ in range(3):
        newer, _, _, _ = env.step(-0.5 * torch.ones(16, 12))
    assert newer["policy"].data_ptr() != kept.data_ptr()
    assert torch.equal(kept, kept_values)
    assert not torch.equal(newer["policy"], kept)


def test_actions_reach_jax_without_a_copy():
    actions = torch.randn(16, 12)
    assert jax.dlpack.from_dlpack(actions).unsafe_buffer_pointer() == actions.data_ptr()


def test_episode_length_buf_written_by_rsl_rl_reaches_the_jax_state(go2_env):
    env = go2_env
    env.reset()
    env.episode_length_buf = torch.full((16,), env.max_episode_length - 1, dtype=torch.long)
    assert int(env.state.episode_step[0]) == env.max_episode_length - 1
    _, _, dones, extras = env.step(torch.zeros(16, 12))
    assert bool(extras["time_outs"].all()) and bool(dones.all())
    assert torch.equal(env.episode_length_buf, torch.zeros(16, dtype=torch.int32))
    randomized = torch.randint(0, 1000, (16,))
    env.episode_length_buf = randomized
    assert np.array_equal(np.asarray(env.state.episode_step), randomized.numpy())


@pytest.mark.parametrize(
    "actions, message",
    [
        (torch.zeros(16, 11), "shape"),
        (torch.zeros(16, 12, dtype=torch.float64), "float32"),
        (torch.zeros(12, 16).T, "contiguous"),
        (np.zeros((16, 12), np.float32), "torch.Tensor"),
    ],
)
def test_bad_actions_get_a_clear_error(go2_env, actions, message):
    with pytest.raises(UserError, match=message):
        go2_env.step(actions)


def test_non_finite_actions_are_reported_and_never_simulated(go2_env):
    env = go2_env
    env.reset()
    actions = torch.zeros(16, 12)
    actions[3, 5] = float("nan")
    with pytest.raises(UserError, match="non-finite"):
        env.step(actions)
        jax.block_until_ready(env.stats)
        env.step(torch.zeros(16, 12))
    assert bool(jnp.isfinite(env.state.physics.qpos).all())
    env.reset()
    env.step(torch.zeros(16, 12))  # reset clears the error


def test_unknown_task_and_missing_model_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="unknown task 'go3'"):
        make_env("go3")
    with pytest.raises(UserError, match="model file not found"):
        make_env("go2", xml_path=str(tmp_path / "missing.xml"))
    with pytest.raises(UserError, match="unknown config key"):
        make_env("go2", GCR=0.9)


def test_on_policy_runner_learns_two_iterations(go2_env, tmp_path):
    go2_env.reset()
    train = train_config("go2")
    train["num_steps_per_env"] = 8
    runner = Runner(go2_env, train, log_dir=str(tmp_path), device="cpu")
    before = [p.detach().clone() for p in runner.alg.get_policy().parameters()]
    runner.learn(2, init_at_random_ep_len=True)
    after = list(runner.alg.get_policy().parameters())
    assert any(not torch.equal(a, b) for a, b in zip(after, before))
    assert runner.current_learning_iteration == 1
    assert (tmp_path / "model_1.pt").exists()
    assert int(go2_env.state.episode_step.max()) > 8  # init_at_random_ep_len reached the JAX state


def test_non_finite_physics_is_counted_in_the_logs(go2_env):
    env = go2_env
    env.reset()
    qvel = np.array(env.state.physics.qvel)
    qvel[0, 8] = np.nan
    env.state = env.state.replace(physics=env.state.physics.replace(qvel=qvel))
    obs, rewards, dones, extras = env.step(torch.zeros(16, 12))
    assert bool(dones[0]) and not bool(extras["time_outs"][0])
    assert int(extras["log"]["Stats/non_finite_resets_total"]) == 1
    assert torch.isfinite(obs["policy"]).all() and torch.isfinite(rewards).all()


def test_reset_starts_the_host_copy_of_the_counter_that_the_first_step_reads(go2_env, monkeypatch):
    """Without it the first step after reset() reads a device value never copied: an implicit,
    blocking transfer on a GPU (jax.transfer_guard("disallow") rejects it; tests/test_cuda.py)."""
    copied = []
    real = ArrayImpl.copy_to_host_async
    monkeypatch.setattr(ArrayImpl, "copy_to_host_async", lambda array: copied.append(array) or real(array))
    go2_env.reset()
    assert any(array is go2_env.stats.non_finite_actions_total for array in copied)
    copied.clear()
    go2_env.step(torch.zeros(16, 12))
    assert any(array is go2_env.stats.non_finite_actions_total for array in copied)


def test_the_log_is_one_export_per_step(go2_env):
    """Every extras["log"] entry is a view of one buffer (one DLPack export per step, not one per term),
    holding the statistics' values under their names."""
    go2_env.reset()
    _, _, _, extras = go2_env.step(torch.zeros(16, 12))
    log = extras["log"]
    assert len({value.untyped_storage().data_ptr() for value in log.values()}) == 1
    assert all(value.shape == () for value in log.values())
    stats = go2_env.stats
    assert list(log) == stats.log_names and "Stats/non_finite_resets_total" in log
    for name, value in zip(stats.log_names[:-1], np.asarray(stats.log)):
        window = np.asarray(stats.buffers[name])[: max(int(stats.filled), 1)]
        assert float(log[name]) == value == pytest.approx(window.sum() / max(int(stats.filled), 1))


def test_the_runner_leaves_nan_checks_to_the_environment(go2_env, monkeypatch):
    """rsl_rl's per-step check_nan (four host reads a step) is off; a policy that outputs NaN is
    still stopped, by the environment's own counter, at the next step."""
    checks = []
    monkeypatch.setattr(on_policy_runner, "check_nan", lambda *args: checks.append(args))
    go2_env.reset()
    train = train_config("go2")
    assert train["check_for_nan"] is False
    train["num_steps_per_env"] = 4
    runner = Runner(go2_env, train, log_dir=None, device="cpu")
    act = runner.alg.act
    monkeypatch.setattr(runner.alg, "act", lambda obs: act(obs) * float("nan"))
    with pytest.raises(UserError, match="non-finite \\(NaN/inf\\) actions were passed to step\\(\\) for 16 "):
        runner.learn(1)
    assert not checks
    assert bool(jnp.isfinite(go2_env.state.physics.qpos).all())
    go2_env.reset()


def test_the_device_logger_keeps_rsl_rls_episode_statistics():
    """DeviceLogger fills the same last-100 buffers as rsl_rl's Logger, from device-side bookkeeping
    flushed once per iteration: the same values in the same order."""
    num_envs, steps = 6, 40
    cfg = {**train_config("go2"), "num_steps_per_env": steps}
    arguments = dict(log_dir=None, cfg=cfg, env_cfg={}, num_envs=num_envs, is_distributed=False,
                     gpu_world_size=1, gpu_global_rank=0, device="cpu")  # fmt: skip
    theirs, ours = Logger(**arguments), DeviceLogger(**arguments)
    rng = np.random.default_rng(0)
    for logger in (theirs, ours):
        logger.writer = object()  # as after init_logging_writer (a run folder): per-step bookkeeping on
    for _ in range(steps):
        rewards = torch.as_tensor(rng.normal(size=num_envs), dtype=torch.float32)
        dones = torch.as_tensor(rng.random(num_envs) < 0.3)
        for logger in (theirs, ours):
            logger.process_env_step(rewards, dones, {"log": {"x": torch.tensor(1.0)}})
    assert len(ours.rewbuffer) == 0 and len(ours.pending) == steps  # nothing read on the host yet
    ours.flush()
    assert len(theirs.rewbuffer) > 50 and list(ours.rewbuffer) == list(theirs.rewbuffer)
    assert list(ours.lenbuffer) == list(theirs.lenbuffer) and not ours.pending
    assert torch.equal(ours.cur_reward_sum, theirs.cur_reward_sum) and len(ours.ep_extras) == steps
