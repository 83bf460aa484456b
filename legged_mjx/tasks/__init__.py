"""Task registry: name -> (task class, default env config, default PPO config), and named
domain-randomisation presets."""

from legged_mjx.config import apply_overrides
from legged_mjx.errors import UserError
from legged_mjx.tasks.ballu import BalluImuTask, BalluTask, ballu_config, ballu_train_config
from legged_mjx.tasks.go2 import go2_config, go2_isaac_randomization, go2_train_config
from legged_mjx.tasks.go2_rough import go2_rough_config
from legged_mjx.tasks.go2_velocity import go2_velocity_config, go2_velocity_unitree_randomization
from legged_mjx.tasks.joint_position import JointPositionTask

TASKS = {
    "go2": (JointPositionTask, go2_config, go2_train_config),
    "go2-rough": (JointPositionTask, go2_rough_config, go2_train_config),
    "go2-velocity": (JointPositionTask, go2_velocity_config, go2_train_config),
    "ballu": (BalluTask, ballu_config, ballu_train_config),
    "ballu-imu": (BalluImuTask, lambda: ballu_config(imu=True), ballu_train_config),
    # many morphologies in one batch; the morphology vector observed by the critic / the policy too
    "ballu-morph": (BalluTask, lambda: ballu_config(morphology_obs="critic"), ballu_train_config),
    "ballu-morph-policy": (BalluTask, lambda: ballu_config(morphology_obs="policy"), ballu_train_config),
}


# task -> preset name -> domain_rand values (train_ppo.py --randomize NAME)
RANDOMIZATION_PRESETS = {
    "go2": {"isaac": go2_isaac_randomization},
    "go2-rough": {"unitree": go2_velocity_unitree_randomization},
    "go2-velocity": {"unitree": go2_velocity_unitree_randomization},
}


def randomization_overrides(task: str, preset: str) -> dict:
    """The `domain_rand.*` overrides of a named randomisation preset of `task`."""
    known = RANDOMIZATION_PRESETS.get(task, {})
    if preset not in known:
        raise UserError(f"task '{task}' has no randomisation preset '{preset}' (known: {', '.join(known) or 'none'})")
    return {f"domain_rand.{key}": value for key, value in known[preset]().items()}


def _lookup(name: str):
    if name not in TASKS:
        raise UserError(f"unknown task '{name}' (known: {', '.join(TASKS)})")
    return TASKS[name]


def task_class(name: str) -> type:
    """The LocomotionTask subclass of task `name`."""
    return _lookup(name)[0]


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
