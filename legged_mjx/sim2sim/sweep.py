"""The command sweep: rows of body-frame velocity commands (vx m/s, vy m/s, wz rad/s).

Spec items (CLI `--sweep`): `forward=0.5,1.0` (vx = +v), `backward=0.5` (vx = -v), `lateral=0.3`
(vy = +v and -v), `turning=0.5` (wz = +v and -v), `zero`, `random=4` (uniform within the training
ranges, seeded). Rows outside the training ranges are kept but flagged and left out of the verdict.
"""

from dataclasses import dataclass

import numpy as np

from legged_mjx.errors import UserError
from legged_mjx.sim2sim.conventions import VELOCITY_COMMANDS

DEFAULT_SWEEP = ["forward=0.5,1.0", "backward=0.5", "lateral=0.3", "turning=0.5", "zero", "random=4"]
KINDS = ("forward", "backward", "lateral", "turning", "zero", "random")


@dataclass(frozen=True)
class SweepRow:
    name: str  # e.g. "forward 0.5", "turning -0.5", "random 2"
    kind: str  # one of KINDS
    command: tuple  # (vx, vy, wz) body frame
    in_range: bool  # inside the training ranges


def _values(kind: str, text: str) -> list:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UserError(f"--sweep {kind}=...: expected comma-separated numbers, got '{text}'") from None
    if not values or any(v <= 0 for v in values):
        raise UserError(f"--sweep {kind}=...: expected positive speeds, got '{text}'")
    return values


def _row(name: str, kind: str, command, ranges: dict) -> SweepRow:
    inside = all(lo - 1e-9 <= c <= hi + 1e-9 for c, (lo, hi) in zip(command, (ranges[n] for n in VELOCITY_COMMANDS)))
    return SweepRow(name, kind, tuple(float(c) for c in command), inside)


def _signed(kind: str, v: float) -> list:
    """The (vx, vy, wz) rows of one speed: forward +vx, backward -vx, lateral +-vy, turning +-wz."""
    return {
        "forward": [(v, 0.0, 0.0)],
        "backward": [(-v, 0.0, 0.0)],
        "lateral": [(0.0, v, 0.0), (0.0, -v, 0.0)],
        "turning": [(0.0, 0.0, v), (0.0, 0.0, -v)],
    }[kind]


def build_sweep(specs: list, ranges: dict, seed: int) -> list:
    """Sweep rows from spec items; `ranges` are the training ranges {lin_vel_x: [lo, hi], ...}."""
    missing = [n for n in VELOCITY_COMMANDS if n not in ranges]
    if missing:
        raise UserError(f"no training range for {', '.join(missing)}: not a velocity-tracking task")
    rows, rng = [], np.random.default_rng(seed)
    for spec in specs:
        kind, _, text = spec.partition("=")
        if kind not in KINDS:
            raise UserError(f"--sweep: unknown item '{spec}' (known: {', '.join(KINDS)})")
        if kind == "zero":
            rows.append(_row("zero", kind, (0.0, 0.0, 0.0), ranges))
        elif kind == "random":
            if not text.isdigit() or int(text) < 1:
                raise UserError(f"--sweep random=N needs a positive count, got '{spec}'")
            lows, highs = np.array([ranges[n] for n in VELOCITY_COMMANDS], dtype=float).T
            for i in range(int(text)):
                rows.append(_row(f"random {i}", kind, rng.uniform(lows, highs), ranges))
        else:
            for v in _values(kind, text):
                for command in _signed(kind, v):
                    rows.append(_row(f"{kind} {sum(command):+g}", kind, command, ranges))
    if not rows:
        raise UserError("--sweep: no command rows")
    names = [r.name for r in rows]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UserError(f"--sweep: duplicate rows {', '.join(duplicates)}")
    return rows
