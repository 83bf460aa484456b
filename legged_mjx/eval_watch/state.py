"""What a watcher has done in a run, kept across restarts in <run>/eval/state.json (replaced
atomically after every checkpoint): the evaluation it runs (spec), each evaluated iteration with its
score and verdict (or the error that stopped it), the best iteration so far and the W&B run id of
its scalars. A checkpoint in the file is never evaluated again; a restart with another spec is an
error, since scores of different evaluations do not compare."""

import json
import os
import uuid
from dataclasses import dataclass, field

from legged_mjx.errors import UserError
from legged_mjx.files import atomic_write

VERSION = 1


@dataclass
class WatchState:
    path: str  # <run>/eval/state.json
    spec: dict  # the evaluation (judge.Judge.spec): sweep, perturbations, thresholds, settings
    evaluated: dict = field(default_factory=dict)  # iteration -> {"score", "passed", "wall_s", "cpu_s"} or {"error"}
    best: int | None = None  # iteration of the highest score (the later one on a tie)
    wandb_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @classmethod
    def load(cls, path: str, spec: dict) -> "WatchState":
        """The state saved at `path`, or a fresh one; a saved spec unlike `spec` is a UserError."""
        if not os.path.isfile(path):
            return cls(path, spec)
        with open(path, encoding="utf-8") as handle:
            saved = json.load(handle)
        if saved.get("version") != VERSION:
            raise UserError(f"{path}: written by another version of eval_watch (version {saved.get('version')})")
        if saved["spec"] != spec:
            changed = sorted(k for k in spec.keys() | saved["spec"].keys() if spec.get(k) != saved["spec"].get(k))
            raise UserError(
                f"{path} holds evaluations with other settings ({', '.join(changed)} differ): keep them,"
                f" or move {os.path.dirname(path)} away to start over"
            )
        evaluated = {int(it): entry for it, entry in saved["evaluated"].items()}
        return cls(path, spec, evaluated, saved["best"], saved["wandb_id"])

    def record(self, iteration: int, entry: dict) -> bool:
        """Add one evaluation ({"score", ...} or {"error"}), save; True if it is the new best."""
        self.evaluated[iteration] = entry
        best = self.evaluated.get(self.best, {}).get("score")
        improved = "score" in entry and (best is None or entry["score"] >= best)
        if improved:
            self.best = iteration
        self.save()
        return improved

    def save(self) -> None:
        data = {
            "version": VERSION,
            "spec": self.spec,
            "evaluated": {str(it): self.evaluated[it] for it in sorted(self.evaluated)},
            "best": self.best,
            "wandb_id": self.wandb_id,
        }
        atomic_write(self.path, lambda f: f.write(json.dumps(data, indent=2).encode()))
