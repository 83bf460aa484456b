"""Where the Eval/ scalars go: the run's own TensorBoard folder and, for a run that logs to W&B, a
W&B run beside the training run's.

TensorBoard: an event file of the watcher's own (`*.eval_watch`) in the run folder, so TensorBoard
shows Eval/ next to Train/ in the same run. Every event is at the checkpoint's iteration.

W&B: a run cannot take a step that goes back (the evaluation of iteration 100 arrives while training
logs iteration 130) and a second process cannot write into a live run except in W&B's experimental,
online-only "shared" mode. So the watcher logs into a run of its own: the training run's project
(train config `wandb_project`), grouped with the training run under the run folder's name (train_ppo.py
puts the training run into that group), named `<run>-eval`, job type `eval`, its id kept in the
watcher's state so a restart continues it; its x axis is `Eval/iteration`. WANDB_MODE=offline works
as usual (`wandb sync` uploads later).
"""

import os

from torch.utils.tensorboard import SummaryWriter

from legged_mjx.errors import UserError

STEP = "Eval/iteration"


class TensorBoardSink:
    def __init__(self, run_dir: str):
        self.writer = SummaryWriter(log_dir=run_dir, filename_suffix=".eval_watch")

    def log(self, iteration: int, scalars: dict) -> None:
        for name, value in scalars.items():
            self.writer.add_scalar(name, value, iteration)
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


class WandbSink:
    def __init__(self, run_dir: str, project: str | None, run_id: str):
        try:
            import wandb
        except ModuleNotFoundError:
            raise UserError("--logger wandb needs the wandb package (pip install wandb)") from None
        name = os.path.basename(os.path.normpath(run_dir))
        self.run = wandb.init(
            project=project,
            group=name,
            name=f"{name}-eval",
            job_type="eval",
            id=run_id,
            resume="allow",
            config={"log_dir": os.path.abspath(run_dir)},
        )
        self.run.define_metric(STEP)
        self.run.define_metric("Eval/*", step_metric=STEP)

    def log(self, iteration: int, scalars: dict) -> None:
        self.run.log({STEP: iteration, **scalars})

    def close(self) -> None:
        self.run.finish()
