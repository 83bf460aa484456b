"""Judge every checkpoint of a training run as it appears: the command line is
legged_mjx/cli/eval_watch.py (`python eval_watch.py --help`; installed as `legged-mjx-eval-watch`),
the work legged_mjx/jobs/eval_watch.py and legged_mjx/eval_watch/."""

from legged_mjx.cli.eval_watch import main

if __name__ == "__main__":
    main()
