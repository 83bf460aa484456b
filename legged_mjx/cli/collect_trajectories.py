"""Collect demonstration episodes from a trained policy into a replayable HDF5 dataset.

    python collect_trajectories.py --checkpoint logs/go2-ppo-dynaflow/<run>/model_10000.pt \\
        --num_episodes 1000 --num_envs 1024 --device cuda:0 --out data/go2_demos.h5
    python collect_trajectories.py --checkpoint logs/go2-ppo-dynaflow/<run>/ --device cpu   # newest checkpoint
    python collect_trajectories.py --checkpoint policy.onnx --task go2 --command 1.0 0 0 --device cpu
    python collect_trajectories.py ... --resume     # after a crash or Ctrl-C: add the missing episodes

The task and its configuration come from the cfgs.pkl beside the checkpoint (for an exported
policy in <run>/exported/, the run's); without one, --task names a task with its default config.
--command holds commands as play.py does (the first slots, the rest the middle of their ranges).
Only complete episodes are written; the file is replaced atomically at every commit, so a crash
leaves the previous file or a newer one. With --resume, --num_episodes is the total wanted in the
file. A collection whose full-length episodes would not fit on the disk is refused before it
starts. --terrain flat|rough replaces the run's ground and --set terrain.KEY=VALUE changes its
terrain section (docs/terrain.md). Schema and decisions: legged_mjx/dataset.py, legged_mjx/collection/
and docs/collecting.md.
"""

from legged_mjx.backends import add_backend_arguments
from legged_mjx.cli import (
    ArgumentParser,
    add_command_argument,
    add_policy_arguments,
    at_least,
    device_name,
    load_mujoco,
)
from legged_mjx.errors import exit_on_user_error
from legged_mjx.run_folders import resolve_checkpoint
from legged_mjx.terrain.cli import add_terrain_arguments, terrain_overrides

COMPRESSIONS = ("gzip", "lzf", "none")  # legged_mjx.dataset.COMPRESSION


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
    add_command_argument(parser)
    parser.add_argument(
        "--obs_noise", type=float, default=0.0, help="std of Gaussian noise on the policy's observation"
    )
    parser.add_argument("--action_noise", type=float, default=0.0, help="std of Gaussian noise added to the action")
    parser.add_argument("--resume", action="store_true", help="add episodes to an existing --out dataset")
    parser.add_argument("--commit_every", type=float, default=60.0, help="seconds between commits to the file")
    parser.add_argument("--compression", default="gzip", choices=COMPRESSIONS, help="lzf: faster, h5py-only")
    args = parser.parse_args(argv)
    at_least(args, 1, "num_episodes", "num_envs")
    at_least(args, 0, "obs_noise", "action_noise", "commit_every")
    device_name(args.device)
    args.checkpoint = resolve_checkpoint(args.checkpoint)
    args.terrain_overrides = terrain_overrides(args.terrain, args.sets)
    return args


@exit_on_user_error
def main(argv=None) -> None:
    args = parse_args(argv)
    load_mujoco()
    from legged_mjx.jobs import collect_trajectories

    collect_trajectories.run(args)
