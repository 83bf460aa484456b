"""One policy over a grid of BALLU designs: per design, the forward speed it reaches, its cost of
transport and how often it falls (scripts/design_sweep.py; docs/ballu_morphology.md).

All designs run in one batch: the run's task config with `env.designs` set to the grid and
`design_order` cycle (environment i has design i % D), a fixed forward-velocity command, no domain
randomisation, one episode per environment (no time-out). Per environment, over the second half
of the episode (the first half is the drop from the spawn height and the start of the gait):
- speed: mean forward velocity of the pelvis (body frame, m/s);
- cost of transport: sum_j |tau_j qd_j| dt over the knee and motor actuators (sim2sim's power,
  legged_mjx/sim2sim/measure.py) divided by m g d, with m the design's total mass, g = 9.81 m/s^2
  and d the distance walked forward (m): mechanical energy per weight and distance, the usual
  dimensionless CoT (with the whole weight, not the weight the balloon leaves: GCR differs);
- a fall: the task ends the episode (pelvis outside its height band [0.1, 3] m, root speed) or
  the balloon lies down: its axis (pelvis to balloon centre) tilts more than fall_tilt_deg from
  the vertical. (Pelvis height alone cannot tell: a BALLU whose balloon lies on the floor holds its
  pelvis ~0.3 m up, about the balloon's radius, while a crouching gait on short legs dips it to
  0.2 m.) A fallen environment is left out of speed and CoT from then on.
A design's row is the mean over its environments that did not fall (speed, CoT) and the count of
those that did.
"""

import copy
import json
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from tqdm import tqdm

from legged_mjx.domain_rand import DomainRandCfg
from legged_mjx.errors import UserError
from legged_mjx.files import atomic_write
from legged_mjx.sim2sim.measure import Measure
from legged_mjx.tasks import ballu_morphology as morphology
from legged_mjx.vecenv import LeggedVecEnv

GRAVITY = 9.81  # m/s^2


@dataclass(frozen=True)
class SweepSettings:
    vx: float = 0.25  # m/s forward command
    envs_per_design: int = 8
    duration_s: float = 20.0
    fall_tilt_deg: float = 60.0  # balloon axis tilted more than this from the vertical is a fall
    seed: int = 0
    backend: str = "mujoco"
    threads: int | None = None


def grid_designs(femur: list, tibia: list, spcf: list, gcr: list, names: list | None = None) -> list:
    """Design dicts (env.designs, lengths always explicit) of every combination: named designs
    (names) or femur x tibia lengths, each with every spcf and GCR value."""
    if names:
        shapes = [(name, morphology.parse_design(name, i)) for i, name in enumerate(names)]
    else:
        shapes = [(None, morphology.Design("", f, t)) for f in femur for t in tibia]
    designs = []
    for name, shape in shapes:
        label = name or f"f{shape.femur_length:.3f}_t{shape.tibia_length:.3f}"
        for k in spcf:
            for g in gcr:
                lengths = {"femur_length": shape.femur_length, "tibia_length": shape.tibia_length}
                designs.append({"name": f"{label}_k{k:g}_gcr{g:g}", **lengths, "spcf": k, "GCR": g})
    return designs


def sweep_config(cfg, designs: list, settings: SweepSettings):
    """A copy of a BALLU task config that runs `designs` side by side (see the module docstring)."""
    cfg = copy.deepcopy(cfg)
    if not hasattr(cfg.env, "designs"):
        raise UserError("the design sweep needs a BALLU task (its config has no env.designs)")
    cfg.env.designs, cfg.env.design_order = list(designs), "cycle"
    cfg.env.episode_length_s = settings.duration_s + 1.0  # no time-out inside the sweep
    cfg.domain_rand = DomainRandCfg()
    names = cfg.command.names
    cfg.command.table = [[settings.vx if name == "lin_vel_x" else 0.0 for name in names]]
    cfg.command.resample_s = cfg.env.episode_length_s
    return cfg


class _Probe:
    """Per step and environment: forward speed (m/s), actuator power (W), the balloon axis's tilt
    from the vertical (rad), and whether the episode ended, from the step's pre-reset physics."""

    def __init__(self, task):
        self.task, self.measure = task, Measure(task)
        self._call = jax.jit(jax.vmap(self._one))

    def _one(self, state, prev_action):
        physics = state.pre_reset["physics"]
        snap = self.task.snapshot(
            physics, command=state.command, params=state.params, action=state.prev_action, prev_action=prev_action
        )
        measured = self.measure(snap, physics)
        axis = physics.sensordata[self.task.balloon_sensors["centre_pos"]] - physics.qpos[0:3]
        tilt = jnp.arccos(jnp.clip(axis[2] / jnp.linalg.norm(axis), -1.0, 1.0))
        return measured["vx"], measured["power"], tilt, state.terminated

    def __call__(self, state, prev_action) -> tuple:
        return tuple(np.asarray(value) for value in self._call(state, prev_action))


def run_sweep(task, policy, settings: SweepSettings, device: str = "cpu", progress: bool = True) -> list:
    """Rows (one per design of `task`, a BALLU task built from sweep_config) of the sweep."""
    count = len(task.designs)
    env = LeggedVecEnv(
        task, count * settings.envs_per_design, device, settings.seed, settings.backend, settings.threads
    )
    probe = _Probe(task)
    steps = int(round(settings.duration_s / task.dt))
    design = np.arange(env.num_envs) % count
    fallen = np.zeros(env.num_envs, bool)
    distance, energy, speed_sum, samples = (np.zeros(env.num_envs) for _ in range(4))
    obs = env.get_observations()["policy"]
    for step in tqdm(range(steps), unit="step", disable=not progress, mininterval=2.0):
        prev_action = env.state.prev_action
        obs = env.step(policy(obs))[0]["policy"]
        vx, power, tilt, ended = probe(env.state, prev_action)
        fallen |= ended | (tilt > np.radians(settings.fall_tilt_deg))
        if step >= steps // 2:
            keep = ~fallen
            distance += np.where(keep, vx * task.dt, 0.0)
            energy += np.where(keep, power * task.dt, 0.0)
            speed_sum += np.where(keep, vx, 0.0)
            samples += keep
    weight = np.asarray(task.total_mass)[design] * GRAVITY
    rows = []
    for d, spec in enumerate(task.designs):
        mine, standing = design == d, (design == d) & ~fallen
        row = {
            "design": spec.name,
            "femur_length": spec.femur_length,
            "tibia_length": spec.tibia_length,
            "spcf": spec.spcf if spec.spcf is not None else float(task.cfg.env.spcf),
            "GCR": spec.GCR if spec.GCR is not None else float(task.cfg.env.GCR),
            "total_mass": float(task.total_mass[d]),
            "envs": int(mine.sum()),
            "falls": int((mine & fallen).sum()),
            "speed": float("nan"),
            "cost_of_transport": float("nan"),
        }
        if standing.any():
            row["speed"] = float((speed_sum[standing] / samples[standing]).mean())
            forward = distance[standing] > 1e-3  # CoT is undefined where it did not move forward
            if forward.any():
                cot = energy[standing][forward] / (weight[standing][forward] * distance[standing][forward])
                row["cost_of_transport"] = float(cot.mean())
        rows.append(row)
    return rows


def markdown(rows: list, settings: SweepSettings) -> str:
    header = (
        f"Command vx {settings.vx} m/s, {settings.envs_per_design} environments per design, "
        f"{settings.duration_s:g} s; speed and CoT over the last half; falls: environments that fell / all.\n\n"
    )
    lines = [
        "| design | femur (m) | tibia (m) | spcf | GCR | mass (kg) | speed (m/s) | CoT | falls |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['design']} | {r['femur_length']:.3f} | {r['tibia_length']:.3f} | {r['spcf']:g} | {r['GCR']:g} | "
            f"{r['total_mass']:.4f} | {r['speed']:.3f} | {r['cost_of_transport']:.2f} | {r['falls']}/{r['envs']} |"
        )
    return header + "\n".join(lines) + "\n"


def plot(rows: list, path: str, title: str) -> None:
    """Speed, CoT and fall rate per design: heat maps over femur x tibia when the sweep is that
    grid (one spcf and GCR), bars otherwise. Written atomically as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    femurs = sorted({r["femur_length"] for r in rows})
    tibias = sorted({r["tibia_length"] for r in rows})
    metrics = [("speed", "speed (m/s)"), ("cost_of_transport", "cost of transport"), ("fall_rate", "fall rate")]
    values = {r["design"]: {**r, "fall_rate": r["falls"] / r["envs"]} for r in rows}
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    is_grid = len(rows) == len(femurs) * len(tibias) and len(femurs) > 1 and len(tibias) > 1
    for axis, (key, label) in zip(axes, metrics):
        if is_grid:
            image = np.full((len(femurs), len(tibias)), np.nan)
            for r in values.values():
                image[femurs.index(r["femur_length"]), tibias.index(r["tibia_length"])] = r[key]
            limits = {"vmin": 0.0, "vmax": 1.0} if key == "fall_rate" else {}
            shown = axis.imshow(image, origin="lower", aspect="auto", cmap="viridis", **limits)
            axis.set_xticks(range(len(tibias)), [f"{t:.3f}" for t in tibias], fontsize=8)
            axis.set_yticks(range(len(femurs)), [f"{f:.3f}" for f in femurs], fontsize=8)
            axis.set_xlabel("tibia length (m)")
            axis.set_ylabel("femur length (m)")
            for (i, j), v in np.ndenumerate(image):
                axis.text(j, i, "-" if np.isnan(v) else f"{v:.2f}", ha="center", va="center", color="w", fontsize=8)
            figure.colorbar(shown, ax=axis)
        else:
            names = list(values)
            axis.bar(range(len(names)), [values[n][key] for n in names])
            axis.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
        axis.set_title(label)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    atomic_write(path, lambda handle: figure.savefig(handle, format="png", dpi=110))
    plt.close(figure)


def write_json(rows: list, settings: SweepSettings, path: str, extra: dict) -> None:
    payload = {"settings": settings.__dict__, **extra, "rows": rows}
    atomic_write(path, lambda handle: handle.write(json.dumps(payload, indent=2).encode()))
