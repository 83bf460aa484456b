"""The VecEnv's CUDA path: DLPack zero-copy and stream hand-off both ways, no host synchronisation in
step, and a real OnPolicyRunner on cuda:0. Skipped without a CUDA GPU (benchmarks/gpu_check.py runs it)."""

import legged_mjx  # noqa: F401  (before jax)

import jax
import numpy as np
import pytest
import torch

from env_wrapper import make_env
from legged_mjx.tasks import train_config
from legged_mjx.training import Runner

DEVICE = "cuda:0"
NUM_ENVS = 1024  # large enough that a missing stream hand-off would read a buffer still being written


def jax_sees_cuda() -> bool:
    try:
        return bool(jax.devices("cuda"))
    except RuntimeError:
        return False


pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(
        not (torch.cuda.is_available() and jax_sees_cuda()),
        reason="needs a CUDA GPU seen by torch and JAX (CUDA builds: docs/gpu.md)",
    ),
]


@pytest.fixture(scope="module")
def env():
    return make_env("go2", num_envs=NUM_ENVS, device=DEVICE, seed=0)


def busy_actions(value: float) -> torch.Tensor:
    """Actions written by a torch kernel queued behind a long matmul on torch's stream."""
    big = torch.randn(4096, 4096, device=DEVICE)
    busy = (big @ big).mean()
    return torch.full((NUM_ENVS, 12), value, device=DEVICE) + 0.0 * busy


def test_observations_are_zero_copy_cuda_views(env):
    env.reset()
    obs, rewards, dones, extras = env.step(busy_actions(0.5))
    assert obs["policy"].device == rewards.device == dones.device == torch.device(DEVICE)
    assert obs["policy"].data_ptr() == env.state.obs["policy"].unsafe_buffer_pointer()
    assert obs["critic"].data_ptr() == env.state.obs["critic"].unsafe_buffer_pointer()
    assert rewards.data_ptr() == env.state.reward.unsafe_buffer_pointer()
    assert env.state.reward.devices() == {jax.devices("cuda")[0]}


def test_actions_reach_jax_on_the_gpu_without_a_copy_and_after_torch_wrote_them():
    actions = busy_actions(0.25)
    seen = jax.dlpack.from_dlpack(actions)
    assert seen.unsafe_buffer_pointer() == actions.data_ptr()
    assert seen.devices() == {jax.devices("cuda")[0]}
    assert np.array_equal(np.asarray(seen), np.full((NUM_ENVS, 12), 0.25, np.float32))


def test_values_torch_reads_right_after_step_are_the_jax_values(env):
    env.reset()
    for sign in (1.0, -1.0, 1.0):
        obs, rewards, dones, _ = env.step(busy_actions(0.5 * sign))
        # copies queued on torch's stream at once, before anything waits for JAX
        kept = {"policy": obs["policy"].clone(), "reward": rewards.clone(), "done": dones.clone()}
        expected = np.asarray(env.state.obs["policy"]), np.asarray(env.state.reward)
        assert np.array_equal(kept["policy"].cpu().numpy(), expected[0])
        assert np.array_equal(kept["reward"].cpu().numpy(), expected[1])
        done = np.asarray(env.state.terminated) | np.asarray(env.state.truncated)
        assert np.array_equal(kept["done"].cpu().numpy(), done)
    assert np.abs(expected[0]).sum() > 0  # a real state, not zeros


def test_episode_length_buf_written_by_torch_reaches_the_jax_state(env):
    env.reset()
    length = env.episode_length_buf
    assert length.device == torch.device(DEVICE)
    env.episode_length_buf = torch.full_like(length, env.max_episode_length - 1)
    assert env.state.episode_step.devices() == {jax.devices("cuda")[0]}
    assert int(env.state.episode_step[0]) == env.max_episode_length - 1
    _, _, dones, extras = env.step(busy_actions(0.0))
    assert bool(extras["time_outs"].all()) and bool(dones.all())
    randomized = torch.randint_like(env.episode_length_buf, high=int(env.max_episode_length))  # as rsl_rl does
    env.episode_length_buf = randomized
    assert np.array_equal(np.asarray(env.state.episode_step), randomized.cpu().numpy())


def test_step_makes_no_host_synchronisation(env):
    """No torch synchronisation and no implicit JAX device-to-host transfer inside step. (env_wrapper's
    deliberate, non-blocking copy_to_host_async of the bad-action counter counts as an implicit transfer
    for jax.transfer_guard unless it is marked explicit there: see the issue-10 report.)"""
    env.reset()
    actions = busy_actions(0.3)
    for _ in range(3):  # compile and let the sticky counter's host copy become ready
        env.step(actions)
    torch.cuda.synchronize()
    jax.block_until_ready(env.state)
    torch.cuda.set_sync_debug_mode("error")
    try:
        with jax.transfer_guard("disallow"):
            for _ in range(5):
                obs, rewards, dones, extras = env.step(actions)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert torch.isfinite(obs["policy"]).all()


def test_on_policy_runner_learns_two_iterations_on_cuda(env, tmp_path):
    env.reset()
    train = train_config("go2")
    train["num_steps_per_env"] = 8
    runner = Runner(env, train, log_dir=str(tmp_path), device=DEVICE)
    before = [p.detach().clone() for p in runner.alg.get_policy().parameters()]
    runner.learn(2, init_at_random_ep_len=True)
    after = list(runner.alg.get_policy().parameters())
    assert all(p.device == torch.device(DEVICE) for p in after)
    assert any(not torch.equal(a, b) for a, b in zip(after, before))
    assert runner.current_learning_iteration == 1 and (tmp_path / "model_1.pt").exists()
    assert int(env.state.episode_step.max()) > 8  # init_at_random_ep_len reached the JAX state on the GPU
