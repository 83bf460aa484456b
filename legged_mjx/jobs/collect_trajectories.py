"""What collect_trajectories.py does once its arguments are valid
(legged_mjx/cli/collect_trajectories.py): the run's task and policy, the dataset to add to, the
memory and disk checks, then the collection loop (legged_mjx/collection/)."""

import os
import signal
import sys

import torch

from legged_mjx import preflight
from legged_mjx.backends import resolve_backend
from legged_mjx.collection.actor import Actor, policy_std
from legged_mjx.collection.commits import Committer
from legged_mjx.collection.loop import collect
from legged_mjx.collection.provenance import check_resumable, dataset_attrs, segment_seed
from legged_mjx.devices import jax_device_for
from legged_mjx.errors import UserError
from legged_mjx.config import apply_overrides
from legged_mjx.run_config import fix_commands, run_config, run_policy
from legged_mjx.tasks import make_task
from legged_mjx.vecenv import LeggedVecEnv


def make_actor(args, train: dict, policy) -> Actor:
    """The Actor of `policy` (from --checkpoint) with --stochastic's std and the noise options."""
    std = None
    if args.stochastic:
        if policy.kind != "rsl_rl":
            raise UserError(
                f"--stochastic needs an rsl_rl checkpoint: a {policy.kind} export holds only the mean "
                "(use --action_noise)"
            )
        std = policy_std(args.checkpoint, train)
    return Actor(policy, std, args.obs_noise, args.action_noise, device=args.device)


def existing_dataset(out: str, attrs: dict, resume: bool) -> tuple:
    """(episodes, segments) already in `out`; it must be absent, or resumable with --resume."""
    if not os.path.exists(out):
        return 0, []
    if not resume:
        raise UserError(f"{out} exists: pass --resume to add episodes to it, or choose another --out")
    old = check_resumable(out, attrs)
    attrs.update(created=old["created"], compression=old["compression"])
    return old["num_episodes"], old["segments"]


def run(args) -> None:
    """Collect as the validated `args` say (legged_mjx/cli/collect_trajectories.py)."""
    jax_device_for(args.device)  # no CUDA: say so before the policy is read onto it
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill`: commit, like Ctrl-C
    if args.device == "cpu":
        torch.set_num_threads(1)  # the MLP is tiny next to the physics; torch's spinning threads slow JAX's
    task_name, cfg, train = run_config(args.checkpoint, args.task)
    apply_overrides(cfg, args.terrain_overrides)
    if args.command:
        fix_commands(cfg, args.command)
    task = make_task(task_name, cfg)
    backend = resolve_backend(args.backend, args.device)
    policy = run_policy(args.checkpoint, train, task_name, task, args.device)
    actor = make_actor(args, train, policy)
    attrs = dataset_attrs(task_name, task, train, policy, actor, args.seed, args.compression, backend)
    out = args.out or os.path.join("data", f"{task_name}_demos.h5")
    existing, segments = existing_dataset(out, attrs, args.resume)
    remaining = args.num_episodes - existing
    if remaining <= 0:
        print(f"[collect] {out} already holds {existing} episodes (>= {args.num_episodes}): nothing to do")
        return
    num_envs = min(args.num_envs, remaining)
    preflight.check_memory(preflight.env_sizes(task, backend), num_envs, backend, args.device)
    needed = preflight.collection_bytes(task, backend, remaining, attrs["compression"])
    fix = "ask for fewer --num_episodes or another --out"
    preflight.check_disk(out, needed, f"{remaining} full-length episodes", fix)

    seed = segment_seed(args.seed, len(segments))
    actor.generator.manual_seed(seed)
    env = LeggedVecEnv(task, num_envs, args.device, seed, backend, args.threads)
    committer = Committer(out, attrs, segments, args.commit_every, attrs["compression"])
    print(
        f"[collect] {task_name}: {remaining} episodes with {env.num_envs} envs on {args.device}, backend {backend} "
        f"({attrs['sampling']} {policy.kind} policy) -> {out}" + (f" (has {existing})" if existing else "")
    )
    try:
        written = collect(env, actor, remaining, committer)
    except KeyboardInterrupt:
        print(
            f"\n[collect] interrupted: {out} holds {existing + committer.written} complete episodes; "
            "run the same command with --resume to add the rest",
            file=sys.stderr,
        )
        sys.exit(130)
    print(f"[collect] wrote {written} episodes: {out} holds {existing + written}")
