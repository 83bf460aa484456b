"""Before anything is built: does a batch fit in memory, and what a run or a collection will write
fit on disk? What cannot fit is refused in one line (UserError) instead of allocating until the
machine swaps or a disk fills half way.

Memory per environment is derived from the model's sizes, without allocating anything:
- the task state of one environment (jax.eval_shape of task.reset: physics, observations, command, ...);
- on MJX, one environment's mjx.Data (jax.eval_shape of mjx.make_data: contacts, constraint rows,
  mass matrix; the step works on a few copies of it);
- in training, rsl_rl's rollout storage: num_steps_per_env x (observations, actions, their mean
  and std, log-probability, value, return, advantage, reward, done);
- in training, the PPO update's activations: a mini-batch holds num_steps_per_env /
  num_mini_batches transitions of each environment, and each passes through the actor's and the
  critic's layers (their widths, 4 bytes each) with autograd keeping them for the backward pass.
Each is weighted by a multiplier measured with benchmarks/bench_memory.py (the peak resident
memory of a process per extra environment; docs/training.md, "Memory and disk measurements"), which
covers the temporaries of the jitted step and of the PPO update. The estimate is compared with the
memory available: MemAvailable (and a cgroup limit) for the host, the free memory of a CUDA device
for an MJX batch and rsl_rl's storage there.
"""

import os
import shutil

from legged_mjx.errors import UserError

# Peak resident bytes per environment = STATE x task state + DATA x mjx.Data (MJX, Warp) + ROLLOUT x
# rollout storage + UPDATE x update activations (training): measured with benchmarks/bench_memory.py
# (docs/training.md, "Memory and disk measurements").
# Go2 on the CPU: native 15.7 KiB per environment stepping (9.2 x its 1739-byte state: float64 physics,
# the rollout's per-substep arrays), 203.5 KiB training; MJX 181.3 KiB training. MJX's own
# per-environment cost hid under the compiler's peak at these sizes: one state and one mjx.Data
# each is a floor, so a batch is refused only when even that cannot fit.
STATE = {"mujoco": 9.0, "mjx": 1.0, "warp": 1.0}
DATA = {"mujoco": 0.0, "mjx": 1.0, "warp": 1.0}
ROLLOUT = 2.0  # the storage and the mini-batch copied out of it
UPDATE = 3.2  # keeps the estimate under the training peaks measured: Go2 181.3 (MJX), 203.5 KiB (native)
# dataset bytes / uncompressed bytes of what was recorded, measured on a 47914-transition Go2 collection
# (64 episodes, 65.5 MB of arrays): gzip 46.2 MB, lzf 50.6 MB
COMPRESSED = {"none": 1.0, "gzip": 0.71, "lzf": 0.78}
GIB = 1024**3


def env_sizes(task, backend: str, train: dict | None = None) -> dict:
    """Bytes per environment that the estimate multiplies: task state, mjx.Data (MJX and Warp;
    0 on the native backend), rollout storage and update activations (training); with a train
    config also the bytes of one
    checkpoint (actor and critic weights and Adam's two moments of each: 3 x 4 bytes a parameter,
    within 0.1% of a Go2 model_<it>.pt)."""
    import jax
    import jax.numpy as jnp

    def nbytes(tree) -> int:
        return int(sum(leaf.size * leaf.dtype.itemsize for leaf in jax.tree.leaves(tree)))

    key, env_id = jax.ShapeDtypeStruct((2,), jnp.uint32), jax.ShapeDtypeStruct((), jnp.int32)
    state = jax.eval_shape(task.reset, key, env_id)
    data = 0
    if backend in ("mjx", "warp"):
        from mujoco import mjx

        data = nbytes(jax.eval_shape(lambda: mjx.make_data(task.mj_model)))
    rollout = update = checkpoint = 0
    if train:
        groups = train.get("obs_groups", {})
        inputs = {name: sum(state.obs[g].size for g in groups.get(name, []) if g in state.obs) for name in groups}
        per_step = 4 * (sum(inputs.values()) + 3 * task.num_actions + 5) + 1
        rollout = train["num_steps_per_env"] * per_step
        widths = sum(train["actor"]["hidden_dims"]) + sum(train["critic"]["hidden_dims"]) + task.num_actions + 1
        update = 4 * widths * train["num_steps_per_env"] / train["algorithm"]["num_mini_batches"]
        actor = _mlp_parameters(inputs.get("actor", 0), train["actor"]["hidden_dims"], task.num_actions)
        critic = _mlp_parameters(inputs.get("critic", 0), train["critic"]["hidden_dims"], 1)
        checkpoint = 3 * 4 * (actor + critic)
    return {"state": nbytes(state), "data": data, "rollout": rollout, "update": int(update), "checkpoint": checkpoint}


def _mlp_parameters(inputs: int, hidden: list, outputs: int) -> int:
    widths = [inputs, *hidden, outputs]
    return sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))


def run_disk_bytes(sizes: dict, train: dict, first: int, target: int) -> int:
    """What training iterations first .. target - 1 write: a checkpoint every save_interval-th
    iteration and at the end, TensorBoard events (1.4 KiB an iteration, measured on a Go2 run), and the
    exports (the actor twice: about a third of a checkpoint)."""
    interval = train["save_interval"]
    saves = len(range(-(-first // interval) * interval, target, interval)) + 1
    return int(sizes["checkpoint"] * (saves + 1 / 3) + 1434 * (target - first))


def transition_bytes(task, backend: str) -> int:
    """Uncompressed bytes of one recorded transition (collection/recording.py: the state, with the
    physics in float64 on the native backend; the action, its mean and the joint targets; reward,
    terminated, truncated and one float per reward term)."""
    import jax
    import jax.numpy as jnp

    from legged_mjx.collection.recording import state_fields
    from legged_mjx.state import PHYSICS_FIELDS

    key, env_id = jax.ShapeDtypeStruct((2,), jnp.uint32), jax.ShapeDtypeStruct((), jnp.int32)
    fields = state_fields(jax.eval_shape(task.reset, key, env_id))
    float64 = {f"state/{name}" for name in PHYSICS_FIELDS} if backend == "mujoco" else set()
    state = sum(v.size * v.dtype.itemsize * (2 if k in float64 else 1) for k, v in fields.items())
    return int(state + 3 * 4 * task.num_actions + 4 + 2 + 4 * len(task.cfg.reward.weights))


def collection_bytes(task, backend: str, num_episodes: int, compression: str) -> int:
    """What `num_episodes` episodes of full length take in a dataset (demonstrations of a trained
    policy mostly run to their time-out): transition_bytes x steps x the compression's measured ratio."""
    steps = task.max_episode_length * num_episodes
    return int(transition_bytes(task, backend) * steps * COMPRESSED[compression])


def bytes_per_env(sizes: dict, backend: str) -> float:
    physics = STATE[backend] * sizes["state"] + DATA[backend] * sizes["data"]
    return physics + ROLLOUT * sizes["rollout"] + UPDATE * sizes["update"]


def available_memory(device: str) -> tuple:
    """(bytes free, what) on a torch device string: the host's available memory for "cpu" (the
    smaller of MemAvailable and what a cgroup limit leaves), the device's free memory for "cuda:N"."""
    if str(device).startswith("cuda"):
        import torch

        free, _ = torch.cuda.mem_get_info(torch.device(device))
        return free, f"free on {device}"
    free = _meminfo_available()
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        limit, usage = _read_int(limit_file), _read_int(usage_file)
        if limit is not None and usage is not None and limit < 1 << 60:
            free = min(free, max(limit - usage, 0))
    return free, "available on this machine"


def _meminfo_available() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def _read_int(path: str) -> int | None:
    try:
        with open(path, encoding="ascii") as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def check_memory(sizes: dict, num_envs: int, backend: str, device: str) -> int:
    """Refuse a batch whose estimated memory (env_sizes) exceeds what is available (UserError, one
    line); returns the estimate in bytes."""
    per_env = bytes_per_env(sizes, backend)
    needed = int(per_env * num_envs)
    free, where = available_memory(device if backend != "mujoco" else "cpu")
    if needed > free:
        most = max(int(free // per_env), 0)
        training = " with rollout storage" if sizes["rollout"] else ""
        raise UserError(
            f"{num_envs} environments need about {_size(needed)} of memory on the {backend} backend "
            f"({per_env / 1024:.1f} KiB each{training}), {_size(free)} {where}: use at most about {most} (--num_envs)"
        )
    return needed


def check_disk(path: str, needed: int, what: str, fix: str) -> None:
    """Refuse to start `what` if it will write more than the free space of the disk holding `path`."""
    folder = os.path.abspath(path)
    while not os.path.exists(folder):
        folder = os.path.dirname(folder)
    free = shutil.disk_usage(folder).free
    if needed > free:
        raise UserError(f"{what} will write about {_size(needed)}, {folder} has {_size(free)} free: {fix}")


def _size(count: float) -> str:
    for unit, scale in (("TiB", 1024**4), ("GiB", GIB), ("MiB", 1024**2)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count / 1024:.0f} KiB"
