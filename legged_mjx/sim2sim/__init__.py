"""Sim-to-sim evaluation of velocity policies (exports of any described robot, or this project's
checkpoints) in native MuJoCo, MJX or MJX-Warp, with a quantitative report. Entry point: sim2sim.py
at the repository root.

By job: reading exports (exports/: facts, conventions, deploy_yaml, isaac_env_yaml; the robots
they are for: legged_mjx/robots.py); building the evaluation task (sources: policy + task config;
export_task: an export on its robot's MJCF or the user's; eval_task: perturbations and a fall
detector); running (sweep, perturbations, layout, rollout on any backend, measure, evaluate);
judging (metrics, verdict); reporting (model_report: what the model brings; report, plots, video).
"""
