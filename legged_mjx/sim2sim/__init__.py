"""Sim-to-sim evaluation of velocity policies (exports of any described robot, or this project's
checkpoints of any task) in native MuJoCo, MJX or MJX-Warp, with a quantitative report. Entry point:
sim2sim.py at the repository root (command line legged_mjx/cli/sim2sim.py, the run
legged_mjx/jobs/sim2sim.py); from Python: sources.from_policy_file / from_checkpoint ->
evaluate.build_task -> evaluate.evaluate (with sweep.build_sweep and perturbations.build_perturbations)
-> verdict.run_checks -> report.build_report and write_report (docs/api.md).

By job: reading exports (exports/: facts, conventions, deploy_yaml, isaac_env_yaml, onnx_metadata;
the robots they are for: legged_mjx/robots.py); run options (settings, checked before anything is
imported); building the evaluation task (sources: policy + task config; export_task: an export on
its robot's MJCF or the user's; eval_task: perturbations and a fall detector); running (sweep,
perturbations, layout, rollout on any backend, measure, evaluate); judging (metrics, verdict);
reporting (model_report: what the model brings; report, plots, video).
"""
