"""The VecEnv's CUDA path: DLPack zero-copy and stream hand-off both ways, device names ("cuda",
cuda:1), no host synchronisation in step (the first after reset included) or anywhere in the
runner's rollout, and a real OnPolicyRunner on cuda:0. Skipped without a CUDA GPU
(benchmarks/gpu_check.py runs it)."""

import legged_mjx  # noqa: F401  (before jax)

import jax
import numpy as np
import pytest
import torch

from benchmarks.common import gpu_sleep, rollout_returns_while_gpu_busy
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


def test_the_first_step_after_reset_needs_no_transfer(env):
    """reset() starts the host copy of the non-finite-action counter that step reads first."""
    actions = busy_actions(0.1)
    env.step(actions)  # compiled
    env.reset()
    torch.cuda.synchronize()
    jax.block_until_ready(env.state)
    with jax.transfer_guard("disallow"):
        env.step(actions)


def test_step_returns_while_the_gpu_is_still_busy(env):
    """A host wait anywhere in step (a blocking export, an implicit transfer, a sync) would make it
    return only after the queued GPU work: the event after that work must still be pending."""
    env.reset()
    actions = torch.full((NUM_ENVS, 12), 0.2, device=DEVICE)
    env.step(actions)  # compiled
    torch.cuda.synchronize()
    busy = gpu_sleep(2.0)
    ordered = actions + 0.0  # written by a kernel queued behind the sleep
    obs, rewards, dones, extras = env.step(ordered)
    assert not busy.query(), "step waited for the GPU"
    torch.cuda.synchronize()
    assert np.array_equal(obs["policy"].cpu().numpy(), np.asarray(env.state.obs["policy"]))
    running = ~dones.cpu().numpy()  # (an environment reset in this step starts from a zero action)
    prev_action = np.asarray(env.state.prev_action)[running]
    assert running.any() and np.array_equal(prev_action, np.full_like(prev_action, 0.2))  # the queued values


def test_the_runners_rollout_never_waits_for_the_gpu(env, tmp_path):
    """rsl_rl's rollout with this project's Runner (NaN check off, DeviceLogger, a log_dir so that the
    logger does its per-step work): policy, env step, storage and logging are all queued while
    earlier GPU work still runs."""
    env.reset()
    train = train_config("go2")
    train["num_steps_per_env"] = 8
    runner = Runner(env, train, log_dir=str(tmp_path), device=DEVICE)
    runner.learn(1)  # compiled
    torch.cuda.synchronize()
    still_busy, _ = rollout_returns_while_gpu_busy(runner, 3.0)
    assert still_busy, "the rollout waited for the GPU"
    assert len(runner.logger.rewbuffer) <= 100 and not runner.logger.pending  # flushed by the iteration's log


def test_a_device_without_index_is_cuda_0():
    small = make_env("go2", num_envs=8, device="cuda", seed=0)
    assert small.device == torch.device("cuda:0")
    obs, _, _, _ = small.step(torch.zeros(8, 12, device="cuda"))
    assert obs["policy"].device == torch.device("cuda:0")


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="needs a second CUDA GPU")
def test_an_environment_on_the_second_gpu_steps_while_the_first_is_current():
    """torch exports a tensor to JAX only from its current device: every export selects it."""
    assert torch.cuda.current_device() == 0
    second = make_env("go2", num_envs=8, device="cuda:1", seed=0)
    second.episode_length_buf = torch.zeros(8, dtype=torch.int64, device="cuda:1")
    obs, _, _, _ = second.step(torch.zeros(8, 12, device="cuda:1"))
    assert obs["policy"].device == torch.device("cuda:1") and torch.cuda.current_device() == 0
    assert second.state.obs["policy"].devices() == {second.batch.device}
    assert second.batch.device.local_hardware_id == 1


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
