"""The report: report.json (everything), summary.md (verdict and tables), the plots and the
conventions that were used (conventions.yaml: a profile that can be edited and passed back with
--config; task_config.yaml for a checkpoint's run config)."""

import json
import math
import os
import platform
from dataclasses import asdict
from datetime import datetime, timezone

import jax
import mujoco
import torch
import yaml

from legged_mjx.files import atomic_write
from legged_mjx.sim2sim.plots import plot_falls, plot_terrain, plot_tracking
from legged_mjx.sim2sim.terrain_sweep import SIZE, terrain_limits
from legged_mjx.sim2sim.verdict import verdict


def machine_info() -> dict:
    cpu = platform.processor()
    if os.path.isfile("/proc/cpuinfo"):
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "jax_devices": [str(d) for d in jax.devices()],
        "versions": {"jax": jax.__version__, "mujoco": mujoco.__version__, "torch": torch.__version__},
    }


def _finite(value):
    """JSON-safe copy: non-finite floats become the strings 'inf', '-inf', 'nan'."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def build_report(evaluation, source, thresholds, checks: list, command_line: str, notes: list, model: dict) -> dict:
    """Everything about one evaluation; `notes` (e.g. perturbation sets left out) join the source's
    and the model's (`model`: model_report.model_facts)."""
    layout, policy = evaluation.layout, source.policy
    rows = [
        {
            "row": layout.rows[c["row"]].name,
            "kind": layout.rows[c["row"]].kind,
            "command": layout.rows[c["row"]].command,
            "in_range": layout.rows[c["row"]].in_range,
            "perturbation": layout.perturbations[c["set"]].name,
            **c["summary"],
        }
        for c in evaluation.cells
    ]
    return _finite(
        {
            "tool": "sim2sim",
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": command_line,
            "verdict": verdict(checks),
            "checks": checks,
            "thresholds": asdict(thresholds),
            "policy": {
                "path": policy.path,
                "kind": policy.kind,
                "sha256": policy.sha256,
                "obs_dim": policy.obs_dim,
                "action_dim": policy.action_dim,
            },
            "source": {"kind": source.kind, "path": source.path},
            "task": source.task,
            "axes": layout.axes,
            "conventions": source.conventions,
            "assumptions": source.assumptions,
            "notes": [*source.notes, *model["notes"], *notes],
            "model": {key: value for key, value in model.items() if key != "notes"},
            "settings": {**asdict(evaluation.settings), "control_dt_s": evaluation.dt},
            "machine": machine_info(),
            "wall_time_s": round(evaluation.wall_time_s, 1),
            "overall": evaluation.overall,
            "perturbations": [{**asdict(p), **s} for p, s in zip(layout.perturbations, evaluation.sets)],
            "rows": rows,
            **({"terrain": terrain_section(evaluation, thresholds)} if evaluation.terrain else {}),
        }
    )


def terrain_section(evaluation, thresholds) -> dict:
    """Per terrain cell (type, level, value): fall rate, mean time to fall (s), vx tracking ratio, progress (m along the
    command, and its fraction of the way from the sub-terrain's centre to its edge, SIZE / 2); each
    type's terrain limit at max_terrain_fall_rate and min_terrain_progress; which cells the checks
    judged."""
    layout = evaluation.layout
    cells = []
    for cell, summary in zip(layout.cells, evaluation.terrain):
        vx = summary["tracking"].get("vx", {})
        progress = summary["progress_m"]
        cells.append(
            {
                "type": cell.type,
                "level": cell.level,
                "value": cell.value,
                "unit": cell.unit,
                "envs": summary["envs"],
                "fall_rate": summary["fall_rate"],
                "time_to_fall_s": None if summary["time_to_fall_s"] is None else summary["time_to_fall_s"]["mean"],
                "vx_ratio": vx.get("ratio"),
                "progress_m": progress,
                "progress": None if progress is None else min(1.0, max(0.0, progress / (SIZE / 2))),
            }
        )
    rates, progress = [c["fall_rate"] for c in cells], [c["progress"] for c in cells]
    return {
        "max_fall_rate": thresholds.max_terrain_fall_rate,
        "min_progress": thresholds.min_terrain_progress,
        "limits": terrain_limits(
            layout.cells, rates, progress, thresholds.max_terrain_fall_rate, thresholds.min_terrain_progress
        ),
        "judged": [layout.cells[c].name for c in layout.judged_cells()],
        "cells": cells,
    }


def _limit(limit: dict) -> str:
    if limit["level"] is None:
        return "none (its easiest level fails)"
    return f"level {limit['level']}" + ("" if limit["value"] is None else f" ({limit['value']:g} {limit['unit']})")


def terrain_markdown(terrain: dict) -> list:
    """summary.md's terrain section: each type's limit, then every level's figures."""
    lines = [
        "",
        f"## Terrain (nominal, in-range rows; limit: fall rate <= {terrain['max_fall_rate']:g} and progress"
        f" >= {terrain['min_progress']:g} up to that level)",
        "",
        "| type | terrain limit |",
        "|---|---|",
        *(f"| {kind} | {_limit(limit)} |" for kind, limit in terrain["limits"].items()),
        "",
        "| type | level | value | fall rate | time to fall s | vx ratio | progress m | progress |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in terrain["cells"]:
        value = "-" if c["value"] is None else f"{c['value']:g} {c['unit']}"
        lines.append(
            f"| {c['type']} | {c['level']} | {value} | {c['fall_rate']:.2f} | {_num(c['time_to_fall_s'])}"
            f" | {_num(c['vx_ratio'])}"
            f" | {_num(c['progress_m'])} | {_num(c['progress'])} |"
        )
    lines += ["", f"The checks above judge the terrain cells {', '.join(terrain['judged'])}."]
    return lines


def _num(value, digits: int = 2) -> str:
    return "-" if value is None or isinstance(value, str) else f"{value:.{digits}f}"


def _ratios(row: dict) -> str:
    """The row's achieved/commanded ratios, or "-" with its reason."""
    parts = [f"{axis} {value['ratio']:.2f}" for axis, value in row["tracking"].items() if value["ratio"] is not None]
    if parts:
        return ", ".join(parts)
    return "- (all fell before the settle time)" if not row["samples"] else "- (no moving command)"


def _time_to_fall(summary: dict) -> str:
    fall = summary["time_to_fall_s"]
    return "-" if fall is None else f"{fall['mean']:.2f} (min {fall['min']:.2f})"


def _check_line(check: dict) -> str:
    result = "pass" if check["passed"] else "FAIL"
    value = _num(check["value"], 3) + (f" ({check['why']})" if check.get("why") else "")
    return f"| {check['name']} | {value} | {check['op']} {check['limit']:g} | {result} |"


def summary_markdown(report: dict) -> str:
    s, axes = report["settings"], report["axes"]
    slip = "foot_slip_mps" in report["overall"]  # measured where the task has foot velocity sensors
    names = ", ".join(axes)
    lines = [
        f"# sim2sim: {'PASS' if report['verdict']['passed'] else 'FAIL'}",
        "",
        f"- task `{report['task']}`; policy: `{report['policy']['path']}` ({report['policy']['kind']},"
        f" sha256 {report['policy']['sha256'][:12]})",
        f"- conventions: `{report['source']['path']}` ({report['source']['kind']})",
        f"- model: `{report['model']['xml_path']}`, physics step {report['model']['timestep_s']:g} s x"
        f" {report['model']['decimation']} ({report['model']['integrator']}, {report['model']['cone']} cones)",
        f"- backend {s['backend']} on {s['device']}, {s['num_envs']} environments, {s['duration_s']:g} s each"
        f" (control dt {s['control_dt_s']:g} s), metrics after {s['settle_s']:g} s; seed {s['seed']}",
        f"- machine: {report['machine']['cpu']} ({report['machine']['cpu_count']} cores),"
        f" wall time {report['wall_time_s']} s",
        f"- command: `{report['command']}`",
        "",
        "## Checks",
        "",
        "| check | value | limit | result |",
        "|---|---|---|---|",
        *(_check_line(c) for c in report["checks"]),
        "",
        "## Sweep (nominal)",
        "",
        f"| row | command {names} | in range | fall rate | time to fall s | achieved {names} | ratio"
        f" | RMSE {names} | torque N m | power W |{' foot slip m/s |' if slip else ''} action rate | limit hits |",
        "|---|---|---|---|---|---|---|---|---|---|" + ("---|" if slip else "") + "---|---|",
    ]
    for row in report["rows"]:
        if row["perturbation"] != "nominal":
            continue
        t = row["tracking"]
        command = ", ".join(f"{row['command'][a]:+.2f}" for a in axes)
        achieved = ", ".join(_num(t[a]["achieved"]) for a in axes)
        rmse = ", ".join(_num(t[a]["rmse"], 3) for a in axes)
        lines.append(
            f"| {row['row']} | {command} | {'yes' if row['in_range'] else 'no'} | {row['fall_rate']:.2f}"
            f" | {_time_to_fall(row)} | {achieved} | {_ratios(row)} | {rmse}"
            f" | {_num(row['torque_abs_Nm'])} | {_num(row['power_W'], 1)} |"
            + (f" {_num(row['foot_slip_mps'], 3)} |" if slip else "")
            + f" {_num(row['action_rate'], 3)} | {_num(row['joint_limit_hit_rate'], 4)} |"
        )
    lines += [
        "",
        "## Perturbation sets (in-range rows)",
        "",
        f"| set | fall rate | survival | time to fall s | RMSE {names} | torque N m | power W |"
        + (" foot slip m/s |" if slip else ""),
        "|---|---|---|---|---|---|---|" + ("---|" if slip else ""),
    ]
    for p in report["perturbations"]:
        lines.append(
            f"| {p['name']} | {p['fall_rate']:.2f} | {_num(p['survival'])} | {_time_to_fall(p)}"
            f" | {', '.join(_num(p['tracking'][a]['rmse'], 3) for a in axes)} | {_num(p['torque_abs_Nm'])}"
            f" | {_num(p['power_W'], 1)} |" + (f" {_num(p['foot_slip_mps'], 3)} |" if slip else "")
        )
    if "terrain" in report:
        lines += terrain_markdown(report["terrain"])
    for title, key in (("Assumptions", "assumptions"), ("Notes", "notes")):
        lines += ["", f"## {title}", "", *(f"- {item}" for item in report[key] or ["none"])]
    lines.append("")
    return "\n".join(lines)


def write_report(out_dir: str, report: dict, evaluation, source) -> list:
    """Write report.json, summary.md, tracking.png, falls.png, terrain.png (a terrain sweep) and the
    conventions; the paths."""
    conventions_name = "task_config.yaml" if source.kind == "checkpoint" else "conventions.yaml"
    outputs = {
        "report.json": lambda f: f.write(json.dumps(report, indent=2, allow_nan=False).encode()),
        "summary.md": lambda f: f.write(summary_markdown(report).encode()),
        "tracking.png": lambda f: plot_tracking(evaluation, f),
        "falls.png": lambda f: plot_falls(evaluation, f),
        **({"terrain.png": lambda f: plot_terrain(report["terrain"], f)} if "terrain" in report else {}),
        conventions_name: lambda f: f.write(yaml.safe_dump(source.conventions, sort_keys=False, width=110).encode()),
    }
    paths = []
    for name, write in outputs.items():
        paths.append(os.path.join(out_dir, name))
        atomic_write(paths[-1], write)
    return paths
