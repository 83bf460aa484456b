"""What a sim2sim report (legged_mjx.sim2sim.report.build_report) says as numbers: the score that
picks best.pt, and the `Eval/` scalars written at the checkpoint's iteration.

Score, in [0, 1] (1: nothing falls and every judged row tracks its command exactly):

    score = survival x tracking
    survival = mean over the perturbation sets (nominal first) of (1 - fall rate), in-range rows
    tracking = mean over the judged rows of max(0, 1 - |achieved / commanded - 1|)

The judged rows are those the verdict judges (legged_mjx.sim2sim.verdict.ROW_AXIS): the nominal,
in-range forward, backward, lateral and turning rows, each on its own axis; a row without a ratio
(every environment fell before the settle time) counts 0. Without such rows tracking is 1. A product,
so that a policy that stands still without falling (tracking 0) and one that runs and falls
(survival 0) both score low.
"""

import numbers

from legged_mjx.sim2sim.verdict import ROW_AXIS


def _number(value):
    """A finite report value as float, else None (None, or 'nan'/'inf' as the report writes them)."""
    return float(value) if isinstance(value, numbers.Real) else None


def judged_rows(report: dict) -> list:
    """(row name, axis, ratio or None) of the nominal in-range rows the verdict judges."""
    return [
        (row["row"], ROW_AXIS[row["kind"]], _number(row["tracking"][ROW_AXIS[row["kind"]]]["ratio"]))
        for row in report["rows"]
        if row["perturbation"] == "nominal" and row["in_range"] and row["kind"] in ROW_AXIS
    ]


def score(report: dict) -> float:
    survival = [1.0 - p["fall_rate"] for p in report["perturbations"]]
    quality = [0.0 if ratio is None else max(0.0, 1.0 - abs(ratio - 1.0)) for _, _, ratio in judged_rows(report)]
    tracking = sum(quality) / len(quality) if quality else 1.0
    return sum(survival) / len(survival) * tracking


def tag(name: str) -> str:
    """A report name as a tag part: 'turning +0.5' -> 'turning_+0.5'."""
    return "_".join(name.split())


def eval_scalars(report: dict) -> dict:
    """{tag: value}: Eval/score, Eval/verdict (1 pass, 0 fail), Eval/fall_rate (nominal, in-range
    rows), Eval/fall_rate/<set> per perturbation set, Eval/tracking_ratio/<row> per judged row
    (achieved / commanded on the row's axis; left out where there is none), Eval/rmse/<axis>
    (nominal, pooled)."""
    scalars = {
        "Eval/score": score(report),
        "Eval/verdict": 1.0 if report["verdict"]["passed"] else 0.0,
        "Eval/fall_rate": float(report["overall"]["fall_rate"]),
    }
    for pset in report["perturbations"][1:]:
        scalars[f"Eval/fall_rate/{tag(pset['name'])}"] = float(pset["fall_rate"])
    for name, _, ratio in judged_rows(report):
        if ratio is not None:
            scalars[f"Eval/tracking_ratio/{tag(name)}"] = ratio
    for axis, tracking in report["overall"]["tracking"].items():
        rmse = _number(tracking["rmse"])
        if rmse is not None:
            scalars[f"Eval/rmse/{axis}"] = rmse
    return scalars
