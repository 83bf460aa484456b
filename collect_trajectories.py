"""Collect demonstration episodes from a trained policy into a replayable HDF5 dataset.

    python collect_trajectories.py --checkpoint logs/go2-ppo-dynaflow/<run>/model_10000.pt \\
        --num_episodes 1000 --num_envs 1024 --device cuda:0 --out data/go2_demos.h5
    python collect_trajectories.py --checkpoint policy.onnx --task go2 --command 1.0 0 0 0.3 0 --device cpu
    python collect_trajectories.py ... --resume     # after a crash or Ctrl-C: add the missing episodes

The task and its configuration come from the cfgs.pkl beside the checkpoint (for an exported
policy in <run>/exported/, the run's); without one, --task names a task with its default config.
Only complete episodes are written; the file is replaced atomically at every commit, so a crash
leaves the previous file or a newer one. With --resume, --num_episodes is the total wanted in the
file. Schema and decisions: legged_mjx/dataset.py, legged_mjx/collection/ and the README.
"""

import os
import signal
import sys

import legged_mjx  # noqa: F401  (before jax and torch)

import torch

from env_wrapper import LeggedVecEnv
from legged_mjx.backends import add_backend_arguments, resolve_backend
from legged_mjx.collection.actor import Actor, policy_std
from legged_mjx.collection.commits import Committer
from legged_mjx.collection.loop import collect
from legged_mjx.collection.provenance import check_resumable, dataset_attrs, segment_seed
from legged_mjx.cli import ArgumentParser, at_least
from legged_mjx.devices import jax_device_for
from legged_mjx.dataset import COMPRESSION
from legged_mjx.config import apply_overrides
from legged_mjx.errors import UserError, exit_on_user_error
from legged_mjx.run_config import add_policy_arguments, fix_commands, run_config, run_policy
from legged_mjx.tasks import make_task
from legged_mjx.terrain.cli import add_terrain_arguments, terrain_overrides


def parse_args(argv=None):
    parser = ArgumentParser(description=__doc__)
    add_policy_arguments(parser)
    parser.add_argument("--num_episodes", type=int, default=100, help="complete episodes wanted in the file")
    parser.add_argument(
        "--num_envs", type=int, default=1024, help="parallel environments (at most num_episodes are used)"
    )
    parser.add_argument("--device", default="cuda:0", help="cuda:N or cpu (no silent fall back)")
    add_backend_arguments(parser)
    add_terrain_arguments(parser, with_set=True)
    parser.add_argument("--out", default=None, help="dataset path (default data/<task>_demos.h5)")
    sampling = parser.add_mutually_exclusive_group()
    sampling.add_argument(
        "--deterministic", dest="stochastic", action="store_false", help="act with the policy mean (default)"
    )
    sampling.add_argument(
        "--stochastic", dest="stochastic", action="store_true", help="sample from the policy's Gaussian"
    )
    parser.set_defaults(stochastic=False)
    parser.add_argument("--seed", type=int, default=0, help="seeds the environments and all sampling noise")
    parser.add_argument(
        "--command",
        type=float,
        nargs="+",
        action="append",
        default=None,
        metavar="V",
        help="a fixed command row (all command slots, e.g. go2: vx vy wz height jump); repeat for "
        "more rows, environment i follows row i %% rows. Default: sampled as in training",
    )
    parser.add_argument(
        "--obs_noise", type=float, default=0.0, help="std of Gaussian noise on the policy's observation"
    )
    parser.add_argument("--action_noise", type=float, default=0.0, help="std of Gaussian noise added to the action")
    parser.add_argument("--resume", action="store_true", help="add episodes to an existing --out dataset")
    parser.add_argument("--commit_every", type=float, default=60.0, help="seconds between commits to the file")
    parser.add_argument("--compression", default="gzip", choices=list(COMPRESSION), help="lzf: faster, h5py-only")
    args = parser.parse_args(argv)
    at_least(args, 1, "num_episodes", "num_envs")
    at_least(args, 0, "obs_noise", "action_noise", "commit_every")
    return args


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


@exit_on_user_error
def main(argv=None) -> None:
    args = parse_args(argv)
    jax_device_for(args.device)  # no CUDA: say so before the policy is read onto it
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill`: commit, like Ctrl-C
    if args.device == "cpu":
        torch.set_num_threads(1)  # the MLP is tiny next to the physics; torch's spinning threads slow JAX's
    task_name, cfg, train = run_config(args.checkpoint, args.task)
    apply_overrides(cfg, terrain_overrides(args.terrain, args.sets))
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

    seed = segment_seed(args.seed, len(segments))
    actor.generator.manual_seed(seed)
    env = LeggedVecEnv(task, min(args.num_envs, remaining), args.device, seed, backend, args.threads)
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


if __name__ == "__main__":
    main()
