"""Watch a trained policy: the command line is legged_mjx/cli/play.py (`python play.py --help`;
installed as `legged-mjx-play`), the work legged_mjx/jobs/play.py."""

from legged_mjx.cli.play import main

if __name__ == "__main__":
    main()
