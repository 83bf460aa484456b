"""Evaluation metrics: per-environment running sums on the host, then summaries over groups of
environments (one sweep row, one perturbation set, everything).

An environment counts until its first fall (a fall ends its evaluation). Samples of a control step
count when the environment is still up after it and the step ends after the settle time.
"""

import numpy as np

SUMMED = ("torque_abs", "power", "action_rate", "limit_hits")
SLIP = ("slip", "contacts")  # summed where the task measures foot slip
RATIO_MIN_COMMAND = 0.05  # |command| below this (m/s or rad/s) has no achieved/commanded ratio


class Accumulator:
    def __init__(self, axes: list, commands: np.ndarray, dt: float, settle_s: float, num_joints: int, slip: bool):
        """axes: the tracked axes ("vx", "vy", "wz"), commands: (N, len(axes)) commanded values;
        num_joints: the task's joints (limit hits per joint-step); slip: foot slip is measured."""
        num_envs = len(commands)
        self.axes = list(axes)
        self.summed = SUMMED + SLIP if slip else SUMMED
        self.commands = np.asarray(commands, np.float64)
        self.dt, self.num_joints = dt, num_joints
        self.settle_steps = int(round(settle_s / dt))
        self.steps = 0
        self.alive = np.ones(num_envs, bool)
        self.fall_time = np.full(num_envs, np.nan)  # s, first fall
        self.samples = np.zeros(num_envs)
        self.sums = {name: np.zeros(num_envs) for name in (*axes, *(f"{a}_sq_err" for a in axes), *self.summed)}
        self.torque_peak = np.zeros(num_envs)
        self.start_xy = self.last_xy = None  # (N, 2) m: base position after the first step, and while up

    def add(self, measured: dict) -> None:
        """Fold in one control step's measurements ((N,) arrays from measure.py, plus `fell`)."""
        self.steps += 1
        if "base_xy" in measured:
            xy = np.asarray(measured["base_xy"], np.float64)
            if self.start_xy is None:
                self.start_xy, self.last_xy = xy.copy(), xy.copy()
            self.last_xy = np.where(self.alive[:, None], xy, self.last_xy)  # a fall's step counts: it got there
        fell = np.asarray(measured["fell"], bool) & self.alive
        self.fall_time[fell] = self.steps * self.dt
        self.alive &= ~fell
        use = self.alive & (self.steps > self.settle_steps)
        self.samples += use
        for k, axis in enumerate(self.axes):
            value = np.asarray(measured[axis], np.float64)
            self.sums[axis] += np.where(use, value, 0.0)
            self.sums[f"{axis}_sq_err"] += np.where(use, (value - self.commands[:, k]) ** 2, 0.0)
        for name in self.summed:
            self.sums[name] += np.where(use, np.asarray(measured[name], np.float64), 0.0)
        self.torque_peak = np.maximum(self.torque_peak, np.where(use, measured["torque_peak"], 0.0))

    @property
    def duration_s(self) -> float:
        return self.steps * self.dt


def _ratio(commanded: np.ndarray, achieved: np.ndarray):
    """Least-squares tracking gain sum(c v) / sum(c^2) over environments; v / c for one command."""
    keep = np.abs(commanded) >= RATIO_MIN_COMMAND
    if not keep.any():
        return None
    return float((commanded[keep] * achieved[keep]).sum() / np.square(commanded[keep]).sum())


def progress(acc: Accumulator, envs: np.ndarray) -> np.ndarray:
    """(len(envs),) m each environment's base travelled along its commanded direction (body vx, vy
    at the start heading, which the sweep keeps at 0 yaw: world x, y) until the end or its fall;
    NaN where the command has no linear part."""
    if acc.start_xy is None:
        return np.full(len(envs), np.nan)
    columns = [acc.commands[envs, acc.axes.index(a)] if a in acc.axes else np.zeros(len(envs)) for a in ("vx", "vy")]
    linear = np.stack(columns, axis=1)
    speed = np.linalg.norm(linear, axis=1)
    moved = ((acc.last_xy[envs] - acc.start_xy[envs]) * linear).sum(axis=1)
    return np.where(speed >= RATIO_MIN_COMMAND, moved / np.maximum(speed, 1e-12), np.nan)


def _tracking(acc: Accumulator, envs: np.ndarray, total: float) -> dict:
    counted = envs[acc.samples[envs] > 0]
    result = {}
    for k, axis in enumerate(acc.axes):
        commanded = acc.commands[counted, k]
        achieved = acc.sums[axis][counted] / acc.samples[counted]  # per-environment mean
        unique = np.unique(acc.commands[envs, k])
        result[axis] = {
            "commanded": float(unique[0]) if len(unique) == 1 else None,
            "achieved": float(acc.sums[axis][envs].sum() / total) if total else None,
            "rmse": float(np.sqrt(acc.sums[f"{axis}_sq_err"][envs].sum() / total)) if total else None,
            "ratio": _ratio(commanded, achieved),
        }
    return result


def _mean_finite(values: np.ndarray):
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if len(finite) else None


def summarize(acc: Accumulator, envs: np.ndarray) -> dict:
    """Metrics of a group of environments.

    fall_rate: fraction that fell; time_to_fall_s: mean and min time of first fall (fallen ones);
    survival: mean fraction of the duration spent up; progress_m: mean distance travelled along the
    command (m; None without a linear command); tracking per axis: commanded (if one value),
    achieved mean, RMSE of achieved - commanded, ratio = sum(c v) / sum(c^2); the rest are means per
    counted sample (torque N m, power W, action rate, joint-limit hits per joint-step; where measured,
    foot slip m/s per foot in contact) and torque_peak_Nm the maximum.
    """
    envs = np.asarray(envs)
    fell = ~np.isnan(acc.fall_time[envs])
    up = np.where(fell, acc.fall_time[envs], acc.duration_s)
    total = float(acc.samples[envs].sum())
    sums = {name: float(acc.sums[name][envs].sum()) for name in acc.summed}

    def per_sample(value: float, count: float):
        return value / count if count else None

    summary = {
        "envs": int(len(envs)),
        "samples": int(total),
        "fall_rate": float(fell.mean()),
        "time_to_fall_s": {"mean": float(up[fell].mean()), "min": float(up[fell].min())} if fell.any() else None,
        "survival": float((up / acc.duration_s).mean()) if acc.duration_s else None,
        "tracking": _tracking(acc, envs, total),
        "torque_abs_Nm": per_sample(sums["torque_abs"], total),
        "torque_peak_Nm": float(acc.torque_peak[envs].max()) if total else None,
        "power_W": per_sample(sums["power"], total),
        "action_rate": per_sample(sums["action_rate"], total),
        "joint_limit_hit_rate": per_sample(sums["limit_hits"], total * acc.num_joints),
        "progress_m": _mean_finite(progress(acc, envs)),
    }
    if "slip" in sums:
        summary["foot_slip_mps"] = per_sample(sums["slip"], sums["contacts"])
    return summary
