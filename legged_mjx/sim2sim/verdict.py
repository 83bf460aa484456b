"""Pass/fail thresholds and the checks behind the report's verdict.

Only sweep rows inside the training ranges are judged. Defaults and why:
- max_fall_rate 0.05: a policy that transfers does not fall on flat ground with commands it was
  trained on; 5% leaves room for one unlucky environment in a small batch. A wrong joint order
  falls in ~0.3 s (fall rate 1.0).
- ratio_tolerance 0.25: achieved / commanded velocity within 25% on each directional row
  (forward, backward: vx; lateral: vy; turning: wz) - the issue's acceptance band.
- max_lin_vel_rmse 0.25 m/s and max_yaw_rate_rmse 0.25 rad/s (pooled over the nominal rows): an
  error of 0.25 still earns exp(-0.25^2 / 0.25) = 78% of Isaac Lab's velocity-tracking reward;
  beyond it the policy is visibly not doing what it was trained for. A missing angular-velocity
  scale leaves the fixture standing but raises its yaw-rate RMSE to ~0.45 rad/s.
- max_perturbed_fall_rate 0.25 per perturbation set: perturbations probe robustness, so up to a
  quarter of the environments may fall before the set fails.
- max_terrain_fall_rate 0.25 and min_terrain_progress 0.5: a terrain type's limit (--terrain) is
  the hardest level up to which every level's fall rate stays within 0.25 and its robots got at
  least half of the 4 m from the sub-terrain's centre to its edge (2 m: past the centre platform,
  whose edge is 1-1.5 m out, onto the feature); like a perturbation, terrain probes robustness. A
  robot that stands still never meets the feature, so a fall rate alone would give it every level.
  Terrain limits are reported, not judged: the checks judge the sweep's flat cells (else each
  type's easiest level).
"""

from dataclasses import dataclass, fields

from legged_mjx.errors import UserError
from legged_mjx.sim2sim.metrics import RATIO_MIN_COMMAND

ROW_AXIS = {"forward": "vx", "backward": "vx", "lateral": "vy", "turning": "wz"}


@dataclass
class Thresholds:
    max_fall_rate: float = 0.05
    ratio_tolerance: float = 0.25
    max_lin_vel_rmse: float = 0.25  # m/s
    max_yaw_rate_rmse: float = 0.25  # rad/s
    max_perturbed_fall_rate: float = 0.25
    max_terrain_fall_rate: float = 0.25
    min_terrain_progress: float = 0.5  # fraction of the 4 m from a sub-terrain's centre to its edge


def parse_thresholds(items: list) -> Thresholds:
    """Thresholds with `name=value` overrides (CLI --threshold)."""
    thresholds, known = Thresholds(), [f.name for f in fields(Thresholds)]
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or name not in known:
            raise UserError(f"--threshold: bad item '{item}' (known: {', '.join(known)})")
        try:
            setattr(thresholds, name, float(text))
        except ValueError:
            raise UserError(f"--threshold {name} needs a number, got '{text}'") from None
    return thresholds


def _check(name: str, value, op: str, limit: float, why=None) -> dict:
    """One check; a missing value fails, and why() says why it is missing."""
    if value is None:
        passed = False
    else:
        passed = value <= limit if op == "<=" else abs(value - 1.0) <= limit
    check = {"name": name, "value": value, "op": op, "limit": limit, "passed": bool(passed)}
    return check if value is not None else {**check, "why": why()}


def missing_why(summary: dict, settle_s: float) -> str:
    """Why a group of environments has no value where a number was expected."""
    if not summary["samples"]:
        return f"no samples: every environment fell before the settle time ({settle_s:g} s)"
    return f"|command| < {RATIO_MIN_COMMAND:g} on this axis: no achieved/commanded ratio"


def describe(check: dict) -> str:
    """One line for a check: value, limit, result, and why a value is missing."""
    value = "-" if check["value"] is None else f"{check['value']:.3f}"
    why = f" ({check['why']})" if check.get("why") else ""
    return f"{check['name']}: {value}, limit {check['op']} {check['limit']:g}{why}"


def run_checks(evaluation, thresholds: Thresholds) -> list:
    """Checks of the nominal set's in-range rows (an RMSE per axis the task commands), then one
    fall-rate check per perturbation set."""
    rows, checks = evaluation.layout.rows, []
    overall = evaluation.overall
    checks.append(_check("fall rate (nominal)", overall["fall_rate"], "<=", thresholds.max_fall_rate))
    for cell in evaluation.cells:
        row = rows[cell["row"]]
        if cell["set"] == 0 and row.in_range and row.kind in ROW_AXIS:
            axis, summary = ROW_AXIS[row.kind], cell["summary"]
            ratio, why = summary["tracking"][axis]["ratio"], lambda: missing_why(summary, evaluation.settings.settle_s)
            checks.append(_check(f"{axis} ratio, {row.name}", ratio, "|x-1|<=", thresholds.ratio_tolerance, why))
    limits = {"vx": thresholds.max_lin_vel_rmse, "vy": thresholds.max_lin_vel_rmse, "wz": thresholds.max_yaw_rate_rmse}
    for axis in evaluation.layout.axes:
        rmse, why = overall["tracking"][axis]["rmse"], lambda: missing_why(overall, evaluation.settings.settle_s)
        checks.append(_check(f"{axis} RMSE (nominal)", rmse, "<=", limits[axis], why))
    for p, summary in zip(evaluation.layout.perturbations[1:], evaluation.sets[1:]):
        checks.append(_check(f"fall rate ({p.name})", summary["fall_rate"], "<=", thresholds.max_perturbed_fall_rate))
    return checks


def verdict(checks: list) -> dict:
    failed = [c["name"] for c in checks if not c["passed"]]
    return {"passed": not failed, "failed": failed}
