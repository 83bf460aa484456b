"""The command sweep: rows of body-frame velocity commands over the axes the task commands (vx m/s,
vy m/s, wz rad/s: velocity.AXES); an axis the task has but a row does not move is 0.

Spec items (CLI `--sweep`): `forward=0.5,1.0` (vx = +v), `backward=0.5` (vx = -v), `lateral=0.3`
(vy = +v and -v), `turning=0.5` (wz = +v and -v), `zero`, `random=4` (uniform within the training
ranges, seeded). Rows outside the training ranges are kept but flagged and left out of the verdict;
an item moving an axis the task does not command is a UserError. Without --sweep, `default_sweep`
picks the items from the task's ranges.
"""

from dataclasses import dataclass

import numpy as np

from legged_mjx.errors import UserError
from legged_mjx.sim2sim.velocity import AXES, axis_ranges

KINDS = ("forward", "backward", "lateral", "turning", "zero", "random")
MOVES = {"forward": ("vx", (1,)), "backward": ("vx", (-1,)), "lateral": ("vy", (1, -1)), "turning": ("wz", (1, -1))}
DEFAULT_SPEEDS = {"forward": (0.5, 1.0), "backward": (0.5,), "lateral": (0.3,), "turning": (0.5,)}
DEFAULT_RANDOM = 4


def _item(kind: str, speeds) -> str:
    return f"{kind}={','.join(f'{v:g}' for v in speeds)}"


DEFAULT_SWEEP = [*(_item(k, v) for k, v in DEFAULT_SPEEDS.items()), "zero", f"random={DEFAULT_RANDOM}"]  # Go2's


@dataclass(frozen=True)
class SweepRow:
    name: str  # e.g. "forward 0.5", "turning -0.5", "random 2"
    kind: str  # one of KINDS
    command: dict  # {axis: value}, the task's axes in AXES order, body frame
    in_range: bool  # inside the training ranges


def _in_range(command: dict, ranges: dict) -> bool:
    return all(ranges[axis][0] - 1e-9 <= value <= ranges[axis][1] + 1e-9 for axis, value in command.items())


def _row(name: str, kind: str, command: dict, ranges: dict) -> SweepRow:
    return SweepRow(name, kind, {axis: float(value) for axis, value in command.items()}, _in_range(command, ranges))


def _values(kind: str, text: str) -> list:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UserError(f"--sweep {kind}=...: expected comma-separated numbers, got '{text}'") from None
    if not values or any(v <= 0 for v in values):
        raise UserError(f"--sweep {kind}=...: expected positive speeds, got '{text}'")
    return values


def _moves(kind: str, v: float, ranges: dict) -> list:
    """The commands of one directional speed: forward +vx, backward -vx, lateral +-vy, turning +-wz."""
    axis, signs = MOVES[kind]
    if axis not in ranges:
        names = [name for name, a in AXES.items() if a in ranges]
        command = next(name for name, a in AXES.items() if a == axis)
        raise UserError(f"--sweep {kind}: the task has no {command} command (it has {', '.join(names)})")
    return [{**dict.fromkeys(ranges, 0.0), axis: sign * v} for sign in signs]


def build_sweep(specs: list, command_cfg, seed: int) -> list:
    """Sweep rows from spec items, over the velocity commands of `command_cfg` (the task's, with
    their training ranges)."""
    ranges = axis_ranges(command_cfg)
    rows, rng = [], np.random.default_rng(seed)
    for spec in specs:
        kind, _, text = spec.partition("=")
        if kind not in KINDS:
            raise UserError(f"--sweep: unknown item '{spec}' (known: {', '.join(KINDS)})")
        if kind == "zero":
            rows.append(_row("zero", kind, dict.fromkeys(ranges, 0.0), ranges))
        elif kind == "random":
            if not text.isdigit() or int(text) < 1:
                raise UserError(f"--sweep random=N needs a positive count, got '{spec}'")
            lows, highs = np.array(list(ranges.values()), dtype=float).T
            for i in range(int(text)):
                rows.append(_row(f"random {i}", kind, dict(zip(ranges, rng.uniform(lows, highs))), ranges))
        else:
            for v in _values(kind, text):
                for command in _moves(kind, v, ranges):
                    rows.append(_row(f"{kind} {sum(command.values()):+g}", kind, command, ranges))
    if not rows:
        raise UserError("--sweep: no command rows")
    names = [r.name for r in rows]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UserError(f"--sweep: duplicate rows {', '.join(duplicates)}")
    return rows


def _speed_span(kind: str, ranges: dict):
    """(low, high) of the speeds v > 0 whose `kind` rows all lie in range on the kind's axis, or None."""
    axis, signs = MOVES[kind]
    low, high = ranges[axis]
    bounds = [(low, high) if sign > 0 else (-high, -low) for sign in signs]
    span = (max(0.0, *(b[0] for b in bounds)), min(b[1] for b in bounds))
    return span if span[1] >= span[0] and span[1] > 0 else None


def default_sweep(command_cfg) -> list:
    """The --sweep items for a task: each directional kind whose axis the task commands, at its
    DEFAULT_SPEEDS that lie in the training range, or else at the middle and the end of the in-range
    speeds (BALLU, vx in [0.1, 0.4]: forward=0.25,0.4); a kind with no in-range speed is left out;
    `zero` where zero lies in range; `random=4`. Go2's ranges give DEFAULT_SWEEP."""
    ranges = axis_ranges(command_cfg)
    items = []
    for kind, speeds in DEFAULT_SPEEDS.items():
        span = _speed_span(kind, ranges) if MOVES[kind][0] in ranges else None
        if span is None or not all(_in_range(c, ranges) for c in _moves(kind, span[1], ranges)):
            continue
        inside = [v for v in speeds if span[0] <= v <= span[1]]
        values = inside or sorted({round((span[0] + span[1]) / 2, 3), round(span[1], 3)})
        items.append(_item(kind, values))
    if _in_range(dict.fromkeys(ranges, 0.0), ranges):
        items.append("zero")
    return [*items, f"random={DEFAULT_RANDOM}"]
