"""Sim-to-sim evaluation of Go2 velocity policies (Isaac Lab exports or this project's checkpoints)
in MJX or native MuJoCo, with a quantitative report. Entry point: sim2sim.py at the repository root.

Modules: facts / conventions / deploy_yaml / isaac_env_yaml / onnx_metadata (reading a policy's
conventions), sources (policy + task config), sweep / perturbations / layout (what each environment runs),
eval_task (the Go2 task with run-time perturbations and a fall detector), rollout (the batch on
any physics backend), measure / metrics (numbers), evaluate (the loop), verdict (thresholds),
report / plots / video (outputs).
"""
