"""Perturbation sets and the push schedule.

A set (CLI `--perturb`) is `key=value` pairs joined by commas, e.g. `push=1.0` or
`friction=0.5,mass=1.2`: push (m/s, a horizontal base-velocity change in a random direction every
push interval), friction (x every geom's sliding friction), mass (x every body's mass and inertia),
gain (x kp and kd of a joint-position actuator law). `--perturb standard` adds STANDARD. The nominal
set is always evaluated first. Which keys apply depends on the task (eval_task.applicable_keys).
"""

from dataclasses import dataclass

import numpy as np

from legged_mjx.errors import UserError

STANDARD = ["push=0.5", "push=1.0", "friction=0.5", "mass=1.2", "gain=0.8"]
KEYS = ("push", "friction", "mass", "gain")


@dataclass(frozen=True)
class Perturbation:
    name: str
    push: float = 0.0  # m/s
    friction: float = 1.0
    mass: float = 1.0
    gain: float = 1.0

    @property
    def scales(self) -> dict:
        return {"friction": self.friction, "mass": self.mass, "gain": self.gain}

    @property
    def changes(self) -> list:
        """The keys this set moves away from nominal."""
        return [key for key in KEYS if getattr(self, key) != getattr(NOMINAL, key)]


NOMINAL = Perturbation("nominal")


def parse_perturbation(spec: str) -> Perturbation:
    values = {}
    for item in spec.split(","):
        key, sep, text = item.partition("=")
        if not sep or key not in KEYS:
            raise UserError(f"--perturb: bad item '{item}' (use push=, friction=, mass=, gain= joined by commas)")
        try:
            values[key] = float(text)
        except ValueError:
            raise UserError(f"--perturb: '{item}' needs a number") from None
    if values.get("push", 0.0) < 0 or any(values.get(k, 1.0) <= 0 for k in ("friction", "mass", "gain")):
        raise UserError(f"--perturb: '{spec}' needs push >= 0 and positive scales")
    return Perturbation(spec, **values)


def build_perturbations(specs: list, applicable=KEYS) -> tuple[list, list]:
    """([NOMINAL, then each spec's set], notes). 'standard' expands to the STANDARD sets that change
    only `applicable` keys (a note names the sets left out); an explicit set changing another key is
    a UserError."""
    sets, notes = [NOMINAL], []
    for spec in specs:
        for item in STANDARD if spec == "standard" else [spec]:
            perturbation = parse_perturbation(item)
            foreign = [key for key in perturbation.changes if key not in applicable]
            if not foreign:
                sets.append(perturbation)
            elif spec == "standard":
                notes.append(f"--perturb standard: {item} left out ({', '.join(foreign)} does not apply to this task)")
            else:
                raise UserError(
                    f"--perturb {spec}: {', '.join(foreign)} does not apply to this task"
                    f" (applicable: {', '.join(applicable)})"
                )
    names = [p.name for p in sets]
    if len(set(names)) != len(names):
        raise UserError(f"--perturb: duplicate sets in {', '.join(names)}")
    return sets, notes


class PushSchedule:
    """World-frame base-velocity changes (N, 3): at control steps k * interval_steps (k >= 1), env i
    gets push_speed[i] * (cos theta, sin theta, 0) with theta uniform in [0, 2 pi), seeded."""

    def __init__(self, push_speed: np.ndarray, interval_s: float, dt: float, seed: int):
        if interval_s <= 0:
            raise UserError(f"--push_interval must be positive, got {interval_s}")
        self.push_speed = np.asarray(push_speed, np.float32)
        self.interval_steps = max(1, int(round(interval_s / dt)))
        self.seed = seed
        self.none = np.zeros((len(self.push_speed), 3), np.float32)

    def at(self, step: int) -> np.ndarray:
        if step == 0 or step % self.interval_steps or not self.push_speed.any():
            return self.none
        theta = np.random.default_rng([self.seed, step]).uniform(0.0, 2.0 * np.pi, len(self.push_speed))
        push = self.push_speed[:, None] * np.stack([np.cos(theta), np.sin(theta), np.zeros_like(theta)], axis=1)
        return push.astype(np.float32)
