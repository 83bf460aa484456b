"""The evaluation loop: lay the sweep and perturbation sets over the batch of the evaluation task,
run the policy for the duration on a backend and summarise per row, per set and overall."""

import sys
import time
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from legged_mjx.errors import UserError
from legged_mjx.obs_layout import policy_obs_dim
from legged_mjx.sim2sim.eval_task import evaluation_task, fall_limits
from legged_mjx.sim2sim.layout import Layout
from legged_mjx.sim2sim.measure import Measure
from legged_mjx.sim2sim.metrics import Accumulator, summarize
from legged_mjx.sim2sim.perturbations import PushSchedule
from legged_mjx.sim2sim.rollout import Rollout
from legged_mjx.sim2sim.settings import EvalSettings
from legged_mjx.sim2sim.terrain_sweep import with_terrain


@dataclass
class Evaluation:
    """The result of evaluate(): per-(row, set) summaries and the aggregates that report.py and
    verdict.py read (metric keys and units: docs/sim2sim.md "What one evaluation is")."""

    layout: Layout
    settings: EvalSettings
    foot_slip: bool  # the task measures foot slip (measure.py)
    dt: float  # control period, s
    cells: list  # one dict per (row, set): row, set, summary
    sets: list  # one summary per perturbation set, over its in-range rows
    terrain: list  # one summary per terrain cell (layout.cells; nominal set, in-range rows), [] without
    overall: dict  # nominal set, in-range rows
    video_envs: list  # environment indices whose poses were recorded
    qpos: np.ndarray | None  # (T, len(video_envs), nq) poses per control step
    mj_model: object  # the task's (nominal) MjModel, for rendering
    wall_time_s: float


def build_task(source, settings: EvalSettings, terrain=None):
    """The evaluation task of the source's task and config, on the terrain (terrain_sweep.TerrainSweep)
    where given; a policy whose input/output sizes do not fit it is a UserError."""
    cfg = source.task_cfg if terrain is None else with_terrain(source.task_cfg, terrain)
    tilt, height = fall_limits(cfg, settings.fall_tilt_deg, settings.fall_height)
    task = evaluation_task(source.task_class, cfg, tilt, height)
    obs_dim, policy = policy_obs_dim(task), source.policy
    if (policy.obs_dim, policy.action_dim) != (obs_dim, task.num_actions):
        raise UserError(
            f"policy {policy.path} maps {policy.obs_dim} observations to {policy.action_dim} actions, but the"
            f" conventions give {obs_dim} observations ({', '.join(t.name for t in task.cfg.obs.groups['policy'])})"
            f" and {task.num_actions} actions"
        )
    return task


def evaluate(task, policy, rows: list, perturbations: list, settings: EvalSettings, terrain=None) -> Evaluation:
    """Run `policy` on `task` (build_task) over the sweep rows (sweep.build_sweep) x perturbation
    sets (perturbations.build_perturbations, nominal first) x terrain cells (of the TerrainSweep
    build_task put the task on, or None) for settings.duration_s, one episode per environment. Row and set
    summaries cover the judged terrain cells (Layout.judged_cells); `terrain` holds one summary per
    cell (nominal set, in-range rows). Raises UserError for invalid settings, no row inside the
    training ranges, or fewer environments than rows x sets x cells."""
    settings.validate()
    if not any(row.in_range for row in rows):
        raise UserError("--sweep: no row lies inside the training ranges, so there is nothing to judge")
    started = time.time()
    layout = Layout(rows, perturbations, settings.num_envs, None if terrain is None else terrain.cells)
    start_qpos = task.initial_poses(layout.num_envs, settings.init_joint_noise, settings.seed)
    measure = Measure(task)
    backend = Rollout(task, measure, layout, start_qpos, settings)
    acc = Accumulator(
        layout.axes, layout.velocity_commands(), task.dt, settings.settle_s, len(task.joints.names), measure.foot_slip
    )
    pushes = PushSchedule(layout.push_speed(), settings.push_interval_s, task.dt, settings.seed)
    if layout.cells:  # one environment per terrain cell, first row
        count = min(settings.video_envs, len(layout.cells))
        video_envs = [int(layout.envs(row=0, pset=0, cell=c)[0]) for c in range(count)]
    else:
        video_envs = [int(layout.envs(row=r, pset=0)[0]) for r in range(min(settings.video_envs, len(rows)))]
    frames = []
    steps = int(round(settings.duration_s / task.dt))
    progress = tqdm(range(steps), desc=f"sim2sim {backend.name}", unit="step", mininterval=5.0, file=sys.stderr)
    for step in progress:
        actions = policy(backend.observations())
        acc.add(backend.step(actions, pushes.at(step)))
        if video_envs:
            frames.append(backend.qpos(video_envs))
    return Evaluation(
        layout=layout,
        settings=settings,
        foot_slip=measure.foot_slip,
        dt=task.dt,
        cells=[
            {"row": r, "set": s, "summary": summarize(acc, _judged(layout, layout.envs(row=r, pset=s)))}
            for s in range(len(perturbations))
            for r in range(len(rows))
        ],
        terrain=[summarize(acc, _in_range_envs(layout, 0, cell=c)) for c in range(len(layout.cells or []))],
        sets=[summarize(acc, _in_range_envs(layout, s)) for s in range(len(perturbations))],
        overall=summarize(acc, _in_range_envs(layout, 0)),
        video_envs=video_envs,
        qpos=np.stack(frames) if frames else None,
        mj_model=task.mj_model,
        wall_time_s=time.time() - started,
    )


def _judged(layout: Layout, envs: np.ndarray) -> np.ndarray:
    """The environments of `envs` on the terrain cells the verdict judges."""
    return envs[np.isin(layout.cell_of[envs], layout.judged_cells())]


def _in_range_envs(layout: Layout, pset: int, cell: int | None = None) -> np.ndarray:
    """Environments of set `pset` whose sweep row lies inside the training ranges, on terrain cell
    `cell` (None: the judged cells)."""
    envs = np.concatenate(
        [layout.envs(row=r, pset=pset, cell=cell) for r, row in enumerate(layout.rows) if row.in_range]
    )
    return envs if cell is not None else _judged(layout, envs)
