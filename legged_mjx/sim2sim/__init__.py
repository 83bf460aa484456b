"""Sim-to-sim evaluation of Go2 velocity policies (Isaac Lab exports or this project's checkpoints)
in MJX or native MuJoCo, with a quantitative report. Entry point: sim2sim.py at the repository root
(command line legged_mjx/cli/sim2sim.py, the run legged_mjx/jobs/sim2sim.py).

Modules: facts / conventions / deploy_yaml / isaac_env_yaml (reading a policy's conventions),
settings (run options, checked before anything is imported), sources (policy + task config),
sweep / perturbations / layout (what each environment runs), eval_task (the Go2 task with
run-time perturbations and a fall detector), rollout (the batch on any physics backend), measure /
metrics (numbers), evaluate (the loop), verdict (thresholds), report / plots / video (outputs).
"""
