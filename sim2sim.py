"""Sim-to-sim check of a velocity policy: the command line is legged_mjx/cli/sim2sim.py
(`python sim2sim.py --help`; installed as `legged-mjx-sim2sim`), the work legged_mjx/jobs/sim2sim.py.
Exit status: 0 verdict pass, 1 verdict fail, 2 bad input."""

import sys

from legged_mjx.cli.sim2sim import main

if __name__ == "__main__":
    sys.exit(main())
