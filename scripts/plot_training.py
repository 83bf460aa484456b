"""Plot a run's learning curves from its TensorBoard events, and print them as a table.

    python scripts/plot_training.py logs/go2-ppo-dynaflow/<run> --out docs/go2_cpu_curve.png \
        --tags Train/mean_reward Train/mean_episode_length Episode_Reward/tracking_lin_vel
    python scripts/plot_training.py <run> <resumed run> --out curve.png   # a resumed run's folders, in order

Several folders (a run and the folders its resumes continued in) are read in order; where their
iterations overlap, the later folder's values are kept.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

from legged_mjx.cli import ArgumentParser  # noqa: E402
from legged_mjx.errors import UserError, exit_on_user_error  # noqa: E402


def read_scalars(run_dirs: list, tags: list) -> dict:
    """tag -> (iterations, values) from the TensorBoard event files of the run folders, in order."""
    merged = {t: {} for t in tags}
    for run_dir in run_dirs:
        events = EventAccumulator(run_dir, size_guidance={"scalars": 0}).Reload()
        available = set(events.Tags()["scalars"])
        missing = [t for t in tags if t not in available]
        if missing:
            raise UserError(f"{run_dir} has no scalars {', '.join(missing)} (has: {', '.join(sorted(available))})")
        for t in tags:
            merged[t].update({e.step: e.value for e in events.Scalars(t)})
    return {t: (sorted(points), [points[k] for k in sorted(points)]) for t, points in merged.items()}


@exit_on_user_error
def main():
    parser = ArgumentParser(description=__doc__)
    parser.add_argument("run_dirs", nargs="+", metavar="run_dir", help="a run folder (then its resumed folders)")
    parser.add_argument("--out", required=True, help="PNG path")
    parser.add_argument("--tags", nargs="+", default=["Train/mean_reward", "Train/mean_episode_length"])
    parser.add_argument("--every", type=int, default=50, help="table row spacing (iterations)")
    parser.add_argument("--title", default=None)
    args = parser.parse_args()
    for run_dir in args.run_dirs:
        if not os.path.isdir(run_dir):
            raise UserError(f"run folder not found: {run_dir}")

    curves = read_scalars(args.run_dirs, args.tags)
    figure, axes = plt.subplots(1, len(curves), figsize=(4.5 * len(curves), 3.4), squeeze=False)
    for axis, (tag, (steps, values)) in zip(axes[0], curves.items()):
        axis.plot(steps, values)
        axis.set_title(tag, fontsize=10)
        axis.set_xlabel("iteration")
        axis.grid(alpha=0.3)
    figure.suptitle(args.title or os.path.basename(os.path.normpath(args.run_dirs[0])), fontsize=11)
    figure.tight_layout()
    figure.savefig(args.out, dpi=110)

    print("| iteration | " + " | ".join(args.tags) + " |")
    print("|---" * (len(args.tags) + 1) + "|")
    steps = curves[args.tags[0]][0]
    for it in [s for s in steps if s % args.every == 0] + ([steps[-1]] if steps[-1] % args.every else []):
        row = [dict(zip(*curves[t])).get(it) for t in args.tags]
        print(f"| {it} | " + " | ".join(f"{v:.3f}" if v is not None else "" for v in row) + " |")


if __name__ == "__main__":
    main()
