"""Sim-to-sim evaluation of velocity policies (Isaac Lab Go2 exports, or this project's checkpoints of
any task) in native MuJoCo, MJX or MJX-Warp, with a quantitative report. Entry point: sim2sim.py at
the repository root (command line legged_mjx/cli/sim2sim.py, the run legged_mjx/jobs/sim2sim.py);
from Python: sources.from_policy_file / from_checkpoint -> evaluate.build_task -> evaluate.evaluate
(with sweep.build_sweep and perturbations.build_perturbations) -> verdict.run_checks ->
report.build_report and write_report (docs/api.md).

Modules: facts / conventions / deploy_yaml / isaac_env_yaml / onnx_metadata (reading a policy's conventions),
settings (run options, checked before anything is imported), sources (policy + task config),
sweep / perturbations / layout (what each environment runs), eval_task (the run's task with
run-time perturbations and a fall detector), rollout (the batch on any physics backend), measure /
metrics (numbers), evaluate (the loop), verdict (thresholds), report / plots / video (outputs).
"""
