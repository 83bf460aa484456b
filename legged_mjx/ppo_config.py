"""PPO configuration: rsl-rl-lib 5.x OnPolicyRunner dicts, their overrides (--set train.<path>=value)
and their checks, made before anything is built. No JAX or torch here.

Every value in LIMITS is checked (the defaults, a resumed run's saved config and the overrides
alike), so a bad one is a one-line UserError instead of a traceback from torch or rsl_rl after the
environments were built. An override must also keep the type of the value it replaces (an int
passes where a float is; None only replaces None). Unknown keys suggest the nearest known one.
"""

import difflib
import math

from legged_mjx.errors import UserError

ACTIVATIONS = (  # rsl_rl.utils.resolve_nn_activation's names
    *("elu", "selu", "relu", "crelu", "lrelu", "tanh", "sigmoid"),
    *("softplus", "gelu", "swish", "mish", "identity"),
)
LOGGERS = ("tensorboard", "wandb", "neptune")


def _number(test):
    return lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and not math.isnan(v) and test(v)


def _count(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 1


def _layers(v) -> bool:
    return isinstance(v, list) and len(v) > 0 and all(_count(n) for n in v)


# dotted path in the train config -> (test, what it needs); rsl_rl's own constraints
LIMITS = {
    "num_steps_per_env": (_count, "an integer >= 1"),
    "max_iterations": (_count, "an integer >= 1"),
    "save_interval": (_count, "an integer >= 1"),
    "seed": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "logger": (lambda v: v in LOGGERS, f"one of {', '.join(LOGGERS)}"),
    "actor.hidden_dims": (_layers, "a non-empty list of integers >= 1"),
    "critic.hidden_dims": (_layers, "a non-empty list of integers >= 1"),
    "actor.activation": (lambda v: v in ACTIVATIONS, f"one of {', '.join(ACTIVATIONS)}"),
    "critic.activation": (lambda v: v in ACTIVATIONS, f"one of {', '.join(ACTIVATIONS)}"),
    "actor.distribution_cfg.init_std": (_number(lambda v: v > 0), "> 0"),
    "algorithm.learning_rate": (_number(lambda v: v > 0), "> 0"),
    "algorithm.clip_param": (_number(lambda v: v > 0), "> 0"),
    "algorithm.gamma": (_number(lambda v: 0 < v <= 1), "in (0, 1]"),
    "algorithm.lam": (_number(lambda v: 0 <= v <= 1), "in [0, 1]"),
    "algorithm.entropy_coef": (_number(lambda v: v >= 0), ">= 0"),
    "algorithm.value_loss_coef": (_number(lambda v: v >= 0), ">= 0"),
    "algorithm.max_grad_norm": (_number(lambda v: v > 0), "> 0"),
    "algorithm.desired_kl": (lambda v: v is None or _number(lambda x: x > 0)(v), "> 0 (or null)"),
    "algorithm.num_learning_epochs": (_count, "an integer >= 1"),
    "algorithm.num_mini_batches": (_count, "an integer >= 1"),
    "algorithm.schedule": (lambda v: v in ("adaptive", "fixed"), "adaptive or fixed"),
}


def ppo_train_config(
    num_steps_per_env: int,
    max_iterations: int,
    hidden_dims: list,
    init_std: float,
    learning_rate: float,
    max_grad_norm: float,
    obs_normalization: bool,
    seed: int,
) -> dict:
    """An rsl_rl OnPolicyRunner config; the PPO values shared by go2_train and BALLU are fixed here."""

    def mlp(**extra) -> dict:
        return {
            "class_name": "MLPModel",
            "hidden_dims": list(hidden_dims),
            "activation": "elu",
            "obs_normalization": obs_normalization,
            **extra,
        }

    return {
        "seed": seed,
        "num_steps_per_env": num_steps_per_env,
        "max_iterations": max_iterations,
        "save_interval": 100,
        # rsl_rl's per-step NaN check reads four tensors on the host every step (a GPU wait each time);
        # the environment never returns NaN: it zeroes and counts non-finite actions (an error at the
        # next step) and resets environments whose physics went non-finite (Stats/non_finite_resets_total)
        "check_for_nan": False,
        "init_at_random_ep_len": True,
        "logger": "tensorboard",
        "obs_groups": {"actor": ["policy"], "critic": ["critic"]},
        "actor": mlp(distribution_cfg={"class_name": "GaussianDistribution", "init_std": init_std}),
        "critic": mlp(),
        "algorithm": {
            "class_name": "PPO",
            "clip_param": 0.2,
            "desired_kl": 0.01,
            "entropy_coef": 0.01,
            "gamma": 0.99,
            "lam": 0.95,
            "learning_rate": learning_rate,
            "max_grad_norm": max_grad_norm,
            "num_learning_epochs": 5,
            "num_mini_batches": 4,
            "schedule": "adaptive",
            "use_clipped_value_loss": True,
            "value_loss_coef": 1.0,
        },
    }


def _paths(node: dict, prefix: str = "") -> list:
    """Every dotted path to a leaf of a nested dict."""
    paths = []
    for key, value in node.items():
        path = f"{prefix}{key}"
        paths += _paths(value, f"{path}.") if isinstance(value, dict) and value else [path]
    return paths


def set_train_key(train: dict, dotted: str, value) -> None:
    """Set train[<dotted path>] = value in place: the key must exist and the value keep its type."""
    *parents, leaf = dotted.split(".")
    node = train
    for name in parents:
        node = node.get(name) if isinstance(node, dict) else None
    if not isinstance(node, dict) or leaf not in node or isinstance(node[leaf], dict):
        nearest = difflib.get_close_matches(dotted, _paths(train), n=1, cutoff=0.6)
        hint = f" (did you mean train.{nearest[0]}?)" if nearest else ""
        raise UserError(f"unknown train config key 'train.{dotted}'{hint}")
    old = node[leaf]
    numbers = (int, float)
    same_kind = (
        old is None
        or (isinstance(old, bool) == isinstance(value, bool) and isinstance(old, type(value)))
        or (isinstance(old, float) and isinstance(value, numbers) and not isinstance(value, bool))
        or (isinstance(old, list) and isinstance(value, list))
    )
    if not same_kind:
        raise UserError(f"train config key 'train.{dotted}' needs a value of type {type(old).__name__}, got {value!r}")
    node[leaf] = float(value) if isinstance(old, float) and not isinstance(value, bool) else value


def check_train_config(train: dict, num_envs: int | None = None) -> None:
    """Every value in LIMITS within its range; with num_envs, every mini-batch non-empty."""
    for dotted, (test, needs) in LIMITS.items():
        node, present = train, True
        for name in dotted.split("."):
            present = isinstance(node, dict) and name in node
            node = node[name] if present else None
            if not present:
                break
        if present and not test(node):
            raise UserError(f"train config key 'train.{dotted}' must be {needs}, got {node!r}")
    if num_envs is not None and "num_mini_batches" in train.get("algorithm", {}):
        batch = num_envs * train["num_steps_per_env"]
        if train["algorithm"]["num_mini_batches"] > batch:
            raise UserError(
                f"train.algorithm.num_mini_batches ({train['algorithm']['num_mini_batches']}) exceeds the batch of "
                f"{batch} transitions (num_envs {num_envs} x num_steps_per_env {train['num_steps_per_env']})"
            )
