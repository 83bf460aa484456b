"""Reading exports: a policy's conventions (joint order, gains, action and observation layout,
timing, command ranges) from an Isaac Lab params/env.yaml, a unitree_rl_lab deploy.yaml or this
project's profile, into one `Conventions` object (conventions.py)."""
