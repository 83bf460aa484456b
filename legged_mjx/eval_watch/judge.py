"""One checkpoint judged: sim2sim's evaluation of this project's checkpoints (the run's task and
saved config, the task's own sweep unless one is given, optional perturbation sets), its report
written to a folder. The evaluation task, sweep rows and perturbation sets are built once per run,
from the run's cfgs.pkl, before any checkpoint is read: a bad option fails at the start, and every
checkpoint reuses the compiled programs."""

from dataclasses import asdict

from legged_mjx.config import load_sections
from legged_mjx.errors import UserError
from legged_mjx.obs_layout import check_policy_fits
from legged_mjx.sim2sim.eval_task import applicable_keys, evaluation_task, fall_limits
from legged_mjx.sim2sim.model_report import model_facts
from legged_mjx.sim2sim.evaluate import evaluate
from legged_mjx.sim2sim.settings import EvalSettings
from legged_mjx.sim2sim.perturbations import build_perturbations
from legged_mjx.sim2sim.report import build_report, write_report
from legged_mjx.sim2sim.sources import from_checkpoint
from legged_mjx.sim2sim.sweep import build_sweep, default_sweep
from legged_mjx.sim2sim.verdict import Thresholds, run_checks
from legged_mjx.tasks import task_config


class CheckpointError(UserError):
    """A checkpoint that cannot be judged (it does not load, or does not fit the run's task)."""


class Judge:
    def __init__(self, saved: dict, settings: EvalSettings, sweep: list | None, perturb: list, thresholds: Thresholds):
        """saved: the run's cfgs.pkl; sweep: sim2sim --sweep items (None: the task's default sweep);
        perturb: --perturb sets. Bad settings, sweep items or sets are UserErrors."""
        settings.validate()
        self.settings, self.sweep, self.perturb, self.thresholds = settings, sweep, perturb, thresholds
        cfg = load_sections(task_config(saved["task"]), saved)
        self.task_name = saved["task"]
        tilt, height = fall_limits(cfg, settings.fall_tilt_deg, settings.fall_height)
        self.task = evaluation_task(self.task_name, cfg, tilt, height)
        self.model = model_facts(self.task)  # the MJCF and the edits made to it, as sim2sim reports them
        self.perturbations, self.notes = build_perturbations(perturb, applicable_keys(self.task))
        self.rows = build_sweep(sweep or default_sweep(cfg.command), cfg.command, settings.seed)

    @property
    def spec(self) -> dict:
        """What decides the numbers (state.WatchState compares it across restarts)."""
        settings = {k: v for k, v in asdict(self.settings).items() if k not in ("threads", "video_envs")}
        return {
            "settings": settings,
            "sweep": self.sweep,
            "perturb": self.perturb,
            "thresholds": asdict(self.thresholds),
        }

    def __call__(self, checkpoint: str, out_dir: str, command_line: str) -> dict:
        """Evaluate `checkpoint`, write its report into `out_dir` (sim2sim's files) and return it;
        CheckpointError if it cannot be judged."""
        try:
            source = from_checkpoint(checkpoint, self.settings.device)
            check_policy_fits(source.policy, self.task_name, self.task)
        except UserError as error:
            raise CheckpointError(str(error)) from None
        evaluation = evaluate(self.task, source.policy, self.rows, self.perturbations, self.settings)
        checks = run_checks(evaluation, self.thresholds)
        report = build_report(evaluation, source, self.thresholds, checks, command_line, self.notes, self.model)
        write_report(out_dir, report, evaluation, source)
        return report
