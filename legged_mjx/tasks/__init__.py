"""Task registry: name -> (task class, default env config, default PPO config)."""

from legged_mjx.config import apply_overrides
from legged_mjx.errors import UserError
from legged_mjx.tasks.ballu import BalluImuTask, BalluTask, ballu_config, ballu_train_config
from legged_mjx.tasks.go2 import Go2Task, go2_config, go2_train_config

TASKS = {
    "go2": (Go2Task, go2_config, go2_train_config),
    "ballu": (BalluTask, ballu_config, ballu_train_config),
    "ballu-imu": (BalluImuTask, lambda: ballu_config(imu=True), ballu_train_config),
}


def _lookup(name: str):
    if name not in TASKS:
        raise UserError(f"unknown task '{name}' (known: {', '.join(TASKS)})")
    return TASKS[name]


def task_config(name: str, overrides: dict | None = None):
    """The default config of task `name` with overrides applied."""
    return apply_overrides(_lookup(name)[1](), overrides or {})


def train_config(name: str) -> dict:
    """The default PPO config of task `name`."""
    return _lookup(name)[2]()


def make_task(name: str, cfg=None, **overrides):
    """Build task `name` from `cfg` (default: its default config) with overrides applied."""
    task_class, default_config, _ = _lookup(name)
    return task_class(apply_overrides(cfg if cfg is not None else default_config(), overrides))
