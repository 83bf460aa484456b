"""Train a PPO policy (rsl_rl) on a batched task: the command line is legged_mjx/cli/train_ppo.py
(`python train_ppo.py --help`; installed as `legged-mjx-train`), the work legged_mjx/jobs/train_ppo.py."""

from legged_mjx.cli.train_ppo import main

if __name__ == "__main__":
    main()
