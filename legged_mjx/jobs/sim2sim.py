"""What sim2sim.py does once its arguments are valid (legged_mjx/cli/sim2sim.py): the policy and the
task it runs under, the sweep and perturbations, the evaluation, the checks, the report; on the
console the assumptions made and, for a FAIL, the failing checks."""

import os
import shlex
import sys
from dataclasses import replace
from datetime import datetime

from legged_mjx import preflight
from legged_mjx.errors import UserError
from legged_mjx.files import atomic_write
from legged_mjx.run_folders import has_run_configs
from legged_mjx.sim2sim.eval_task import applicable_keys
from legged_mjx.sim2sim.evaluate import build_task, evaluate
from legged_mjx.sim2sim.model_report import model_facts
from legged_mjx.sim2sim.perturbations import build_perturbations
from legged_mjx.sim2sim.report import build_report, write_report
from legged_mjx.sim2sim.sources import from_checkpoint, from_policy_file
from legged_mjx.sim2sim.sweep import build_sweep, default_sweep
from legged_mjx.sim2sim.exports.facts import load_yaml
from legged_mjx.sim2sim.exports.isaac_terrain import isaac_terrain_generator
from legged_mjx.sim2sim.terrain_sweep import parse_terrain, reach_of, training_terrain, typed_sweep
from legged_mjx.sim2sim.verdict import describe, run_checks, verdict


def source_and_task(args) -> tuple:
    """(Source, sweep rows, terrain cells or None, evaluation task); this project's own checkpoint
    given as --policy, when it does not fit the conventions, gets the advice to pass it as
    --checkpoint."""
    try:
        if args.checkpoint:
            source = from_checkpoint(args.checkpoint, args.device, args.xml_path)
        else:
            source = from_policy_file(args.policy, args.config, args.device, args.sim_dt, args.robot, args.xml_path)
        command = source.task_cfg.command
        items = args.sweep or default_sweep(command)
        if args.terrain and not args.sweep:  # on terrain the forward rows, unless --sweep asks for more
            items = [item for item in items if item.startswith("forward")]
        rows = build_sweep(items, command, args.seed)
        terrain = None
        if args.terrain:  # robots start --terrain_start m out: the border reaches that much farther
            reach = reach_of(rows, args.settings.duration_s) + abs(args.terrain_start)
            terrain = replace(terrain_of(args, source, reach), start=args.terrain_start)
        return source, rows, terrain, build_task(source, args.settings, terrain)
    except UserError as error:
        if args.policy and has_run_configs(args.policy):
            raise UserError(
                f"{error}; {args.policy} is one of this project's checkpoints (cfgs.pkl beside it): "
                f"evaluate it under its own task and config with --checkpoint {args.policy}"
            ) from None
        raise


def terrain_of(args, source, reach: float):
    """The TerrainSweep of --terrain: the parsed types and levels, or for `training` the terrain the
    policy was trained on (its run's terrain.generator, else its env.yaml's terrain_generator)."""
    cells = parse_terrain(args.terrain, args.terrain_levels)
    if cells:
        return typed_sweep(cells, reach, args.seed)
    if source.task_cfg.terrain.generator is not None:
        return training_terrain(source.task_cfg.terrain.generator)
    if source.kind != "isaac_env_yaml":
        raise UserError(
            "--terrain training needs the trained-on terrain: an Isaac Lab params/env.yaml (--config) or a"
            " checkpoint of a terrain task (go2-rough)"
        )
    generator, assumptions = isaac_terrain_generator(load_yaml(source.path), source.path)
    source.assumptions.extend(assumptions)
    return training_terrain(generator)


def run(args, argv=None) -> int:
    """Evaluate as the validated `args` say (legged_mjx/cli/sim2sim.py); 0 on PASS, 1 on FAIL."""
    settings = args.settings
    out_dir = args.out or os.path.join("reports", datetime.now().strftime("sim2sim-%Y-%m-%d_%H-%M-%S"))
    source, rows, terrain, task = source_and_task(args)
    perturbations, notes = build_perturbations(args.perturb, applicable_keys(task))
    if args.video:
        from legged_mjx.sim2sim.video import check_rendering

        check_rendering(task.mj_model)
    sizes = preflight.env_sizes(task, settings.backend)
    preflight.check_memory(sizes, settings.num_envs, settings.backend, args.device)
    print(f"[sim2sim] task {source.task}, backend {settings.backend} on {settings.device}")
    for assumption in source.assumptions:
        print(f"[sim2sim] assumed: {assumption}")
    for note in [*source.notes, *notes]:
        print(f"[sim2sim] {note}")
    model = model_facts(task)
    for note in model["notes"]:
        print(f"[sim2sim] model: {note}")
    evaluation = evaluate(task, source.policy, rows, perturbations, settings, terrain)
    checks = run_checks(evaluation, args.thresholds)
    command_line = shlex.join(["python", "sim2sim.py", *(sys.argv[1:] if argv is None else argv)])
    report = build_report(evaluation, source, args.thresholds, checks, command_line, notes, model)
    paths = write_report(out_dir, report, evaluation, source)
    if args.video:
        from legged_mjx.sim2sim.video import render_video

        paths.append(os.path.join(out_dir, "video.webp"))
        atomic_write(paths[-1], lambda f: render_video(evaluation.mj_model, evaluation.qpos, f, evaluation.dt))
    failed = [check for check in checks if not check["passed"]]
    summary = f"FAIL: {len(failed)} of {len(checks)} checks failed" if failed else f"PASS: all {len(checks)} checks"
    print(f"[sim2sim] {summary}")
    for check in failed:
        print(f"[sim2sim]   {describe(check)}")
    print(f"[sim2sim] wrote {', '.join(paths)}")
    return 0 if verdict(checks)["passed"] else 1
