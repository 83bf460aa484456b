"""How well a trained policy tracks fixed forward-velocity commands, against doing nothing.

Runs the run's exported policy (deterministic) and a zero-action baseline in the run's own task
config, each environment holding one command row for the whole episode, and prints per command
the mean forward velocity (body frame, m/s) over the last half of the episode, the per-step
reward, and how many episodes ended early.

    python scripts/eval_tracking.py logs/ballu-ppo-dynaflow/<run> --vx 0.1 0.25 0.4 --num_envs 48
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import legged_mjx  # noqa: F401,E402  (before jax)

import jax  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from env_wrapper import make_env  # noqa: E402
from legged_mjx import math as lmath  # noqa: E402
from legged_mjx.config import load_sections  # noqa: E402
from legged_mjx.cli import ArgumentParser  # noqa: E402
from legged_mjx.errors import UserError, exit_on_user_error  # noqa: E402
from legged_mjx.policies import load_policy  # noqa: E402
from legged_mjx.tasks import task_config  # noqa: E402
from legged_mjx.run_folders import run_configs_of  # noqa: E402


def rollout(env, act) -> tuple:
    """(forward body velocity (steps, N), rewards (steps, N), ended early (N,)) over one episode."""
    env.reset()
    velocities, rewards, ended = [], [], np.zeros(env.num_envs, bool)
    obs = env.get_observations()
    for _ in range(env.max_episode_length - 1):  # stop before the time-out resets the batch
        obs, reward, done, _ = env.step(act(obs["policy"]))
        qpos, qvel = np.asarray(env.state.physics.qpos), np.asarray(env.state.physics.qvel)
        lin_vel_body = jax.vmap(lmath.quat_rotate_inverse)(qpos[:, 3:7], qvel[:, :3])
        velocities.append(np.asarray(lin_vel_body[:, 0]))
        rewards.append(reward.numpy())
        ended |= done.numpy()
    return np.array(velocities), np.array(rewards), ended


@exit_on_user_error
def main():
    parser = ArgumentParser(description=__doc__)
    parser.add_argument("run_dir")
    parser.add_argument("--vx", type=float, nargs="+", default=[0.1, 0.25, 0.4])
    parser.add_argument("--num_envs", type=int, default=48)
    args = parser.parse_args()
    policy_path = os.path.join(args.run_dir, "exported", "policy.pt")
    if not os.path.isfile(policy_path):
        raise UserError(f"no exported policy in {args.run_dir} (train to the end first)")
    saved = run_configs_of(os.path.join(args.run_dir, "cfgs.pkl"))
    cfg = load_sections(task_config(saved["task"]), saved)
    row = {name: float(np.mean(cfg.command.ranges[name])) for name in cfg.command.names}
    cfg.command.table = [[vx if name == "lin_vel_x" else row[name] for name in cfg.command.names] for vx in args.vx]
    env = make_env(saved["task"], num_envs=args.num_envs, device="cpu", seed=0, cfg=cfg)
    policy = load_policy(policy_path)
    zeros = torch.zeros(args.num_envs, env.num_actions)
    results = {"policy": rollout(env, policy), "zero action": rollout(env, lambda obs: zeros)}

    half = (env.max_episode_length - 1) // 2
    command_of_env = np.arange(args.num_envs) % len(args.vx)
    print(f"task {saved['task']}, {args.num_envs} envs, {env.max_episode_length * env.task.dt:.0f} s episodes")
    print("| command vx | " + " | ".join(f"{n}: vx (last half), reward/step, ended early" for n in results) + " |")
    print("|---" * (len(results) + 1) + "|")
    for k, vx in enumerate(args.vx):
        envs = command_of_env == k
        cells = [
            f"{v[half:, envs].mean():.3f}, {r[:, envs].mean():.4f}, {e[envs].sum()}/{envs.sum()}"
            for v, r, e in results.values()
        ]
        print(f"| {vx:.2f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
