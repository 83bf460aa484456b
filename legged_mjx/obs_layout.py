"""Where each observation term sits in a task's observation groups, and whether a policy fits them."""

import jax
import jax.numpy as jnp

from legged_mjx.config import to_dict
from legged_mjx.errors import UserError
from legged_mjx.observations import OBS_TERMS


def obs_layout(task) -> dict:
    """group -> [{name, start, size, scale, clip, history_length}] in observation order."""
    groups = task.cfg.obs.groups
    names = {term.name for terms in groups.values() for term in terms}

    def values(params):
        command = jnp.zeros(len(task.cfg.command.names))
        snap = task.snapshot(jax.tree.map(jnp.asarray, task.reset_physics), command=command, params=params)
        return {name: jnp.atleast_1d(OBS_TERMS[name](snap)) for name in names}

    params = task.sample_params(jax.random.PRNGKey(0), jnp.int32(0))
    sizes = {name: v.size for name, v in jax.eval_shape(values, params).items()}
    layout = {}
    for group, terms in groups.items():
        start, layout[group] = 0, []
        for term in terms:
            size = sizes[term.name] * term.history_length
            layout[group].append({**to_dict(term), "start": start, "size": size})
            start += size
    return layout


def policy_obs_dim(task) -> int:
    """Length of the task's policy observation (from shapes only: nothing runs)."""
    return sum(term["size"] for term in obs_layout(task)["policy"])


def check_policy_fits(policy, task_name: str, task) -> None:
    """The policy must map the task's policy observation to its actions."""
    obs_dim = policy_obs_dim(task)
    if (policy.obs_dim, policy.action_dim) != (obs_dim, task.num_actions):
        raise UserError(
            f"policy {policy.path} maps {policy.obs_dim} observations to {policy.action_dim} actions; "
            f"task {task_name} has {obs_dim} and {task.num_actions}"
        )
