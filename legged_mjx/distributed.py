"""This process's place in a torchrun launch: rank, device and seed, checked before anything starts.

rsl_rl's OnPolicyRunner trains across GPUs by itself when WORLD_SIZE > 1 (NCCL process group, device
`cuda:LOCAL_RANK`, gradients all-reduced, parameters broadcast from rank 0, only rank 0 logs); this
module makes the rest of a run agree with it: each rank simulates its own environments on its own
GPU with its own seed, and only rank 0 writes run files.
"""

import os
from dataclasses import dataclass

import jax
import torch

from legged_mjx.devices import jax_device_for, normalize_device, restrict_jax_to_gpu
from legged_mjx.errors import UserError

TORCHRUN_VARIABLES = ("WORLD_SIZE", "RANK", "LOCAL_RANK")


@dataclass(frozen=True)
class Launch:
    """One process of a run: rank `rank` of `world_size`, on `device`."""

    device: str
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the one process that writes logs, checkpoints and exports."""
        return self.rank == 0

    def seed(self, base: int) -> int:
        """Each rank's seed (base + rank): different environments and noise on every GPU."""
        return base + self.rank


def _integer(environ, name: str) -> int:
    try:
        return int(environ[name])
    except ValueError:
        raise UserError(f"{name}={environ[name]!r} is not an integer") from None


def torchrun_launch(environ, device: str | None, visible_gpus: int) -> Launch:
    """The Launch described by torchrun's variables, or a UserError naming what is inconsistent."""
    missing = [name for name in TORCHRUN_VARIABLES if name not in environ]
    if missing:
        raise UserError(
            f"--distributed needs torchrun ({', '.join(missing)} not set): "
            "torchrun --nproc_per_node N train_ppo.py --distributed ..."
        )
    world_size, rank, local_rank = (_integer(environ, name) for name in TORCHRUN_VARIABLES)
    if world_size < 1 or not 0 <= rank < world_size or not 0 <= local_rank < world_size:
        raise UserError(f"inconsistent torchrun launch: WORLD_SIZE={world_size}, RANK={rank}, LOCAL_RANK={local_rank}")
    if device is not None:
        requested = torch.device(device if device == "cuda" else normalize_device(device))  # "cuda": the rank's own
        if requested.type != "cuda":
            raise UserError(f"--distributed trains on CUDA GPUs (NCCL), not on --device {device}")
        if requested.index is not None and requested.index != local_rank:
            raise UserError(
                f"--device {device} disagrees with LOCAL_RANK={local_rank}: "
                "leave --device out (each rank takes cuda:LOCAL_RANK) or give --device cuda"
            )
    if local_rank >= visible_gpus:
        raise UserError(f"LOCAL_RANK={local_rank} but this node has {visible_gpus} visible CUDA GPU(s)")
    return Launch(device=f"cuda:{local_rank}", rank=rank, local_rank=local_rank, world_size=world_size)


def start(distributed: bool, device: str | None, default_device: str = "cuda:0") -> Launch:
    """This process's Launch, its device normalised ("cuda" -> "cuda:N"). With `distributed`,
    cuda:LOCAL_RANK becomes the current device of torch and JAX, and JAX is restricted to it before
    any JAX backend starts (one CUDA context per rank, not one per rank and visible GPU); rsl_rl then
    joins the NCCL process group when the runner is built."""
    if not distributed:
        return Launch(device=normalize_device(device or default_device))
    launch = torchrun_launch(os.environ, device, torch.cuda.device_count())
    torch.cuda.set_device(launch.local_rank)
    restrict_jax_to_gpu(launch.local_rank)
    jax.config.update("jax_default_device", jax_device_for(launch.device))
    return launch


def finish(launch: Launch) -> None:
    """Leave the process group that rsl_rl joined (a clean exit for NCCL)."""
    if launch.world_size > 1 and torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
