"""What each entry point does once its arguments are valid: one module per entry point (train_ppo,
play, collect_trajectories, sim2sim), each with `run(args)` taking the namespace that its command
line in legged_mjx/cli/ parsed and checked. These modules import JAX, torch and mujoco."""
