"""Collect demonstration episodes into an HDF5 dataset: the command line is
legged_mjx/cli/collect_trajectories.py (`python collect_trajectories.py --help`; installed as
`legged-mjx-collect`), the work legged_mjx/jobs/collect_trajectories.py."""

from legged_mjx.cli.collect_trajectories import main

if __name__ == "__main__":
    main()
