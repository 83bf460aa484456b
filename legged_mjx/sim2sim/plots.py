"""PNG plots of an evaluation (matplotlib, Agg backend: no display needed); `target` is a path or a
binary file."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

AXIS_LABELS = {"vx": "vx (m/s)", "vy": "vy (m/s)", "wz": "wz (rad/s)"}
KIND_MARKERS = {"forward": "o", "backward": "o", "lateral": "s", "turning": "^", "zero": "x", "random": "."}


def plot_tracking(evaluation, target) -> None:
    """Commanded vs achieved (mean after the settle time) per tracked axis for the nominal sweep
    rows, with the identity line; grey markers are rows outside the training ranges."""
    tracked = evaluation.layout.axes
    fig, axes = plt.subplots(1, len(tracked), figsize=(4.4 * len(tracked), 4.2), squeeze=False)
    axes = axes[0]
    rows = evaluation.layout.rows
    for ax, axis in zip(axes, tracked):
        for cell in evaluation.cells:
            achieved = cell["summary"]["tracking"][axis]["achieved"]
            if cell["set"] != 0 or achieved is None:
                continue
            row = rows[cell["row"]]
            ax.scatter(row.command[axis], achieved, marker=KIND_MARKERS[row.kind], color="C0" if row.in_range else "C7")
        limits = np.array(ax.get_xlim() + ax.get_ylim())
        span = [limits.min(), limits.max()]
        ax.plot(span, span, "k--", linewidth=0.8, label="achieved = commanded")
        ax.set_xlabel(f"commanded {AXIS_LABELS[axis]}")
        ax.set_ylabel(f"achieved {AXIS_LABELS[axis]}")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper left", fontsize=8)
    fig.suptitle("Velocity tracking per sweep row (nominal; o fwd/back, s lateral, ^ turning, x zero, . random)")
    fig.tight_layout()
    fig.savefig(target, format="png", dpi=110)
    plt.close(fig)


def plot_falls(evaluation, target) -> None:
    """Fall rate per perturbation set (in-range rows)."""
    names = [p.name for p in evaluation.layout.perturbations]
    rates = [s["fall_rate"] for s in evaluation.sets]
    fig, ax = plt.subplots(figsize=(max(4.0, 1.1 * len(names) + 1.5), 3.8))
    bars = ax.bar(range(len(names)), rates, color=["C2" if r == 0 else "C3" for r in rates])
    ax.bar_label(bars, labels=[f"{r:.0%}" for r in rates], fontsize=8)
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("fall rate")
    ax.set_title("Fall rate per perturbation set")
    fig.tight_layout()
    fig.savefig(target, format="png", dpi=110)
    plt.close(fig)
