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


def plot_terrain(terrain: dict, target) -> None:
    """Heatmap of the fall rate per terrain type (rows) and level (columns, easiest left), each
    cell labelled with its value, fall rate and progress (p: fraction of the way to the sub-terrain's
    edge), the type's terrain limit outlined."""
    kinds = list(terrain["limits"])
    levels = 1 + max(c["level"] for c in terrain["cells"])
    rates = np.full((len(kinds), levels), np.nan)
    for c in terrain["cells"]:
        rates[kinds.index(c["type"]), c["level"]] = c["fall_rate"]
    fig, ax = plt.subplots(figsize=(1.3 * levels + 3.0, 0.55 * len(kinds) + 1.6))
    image = ax.imshow(rates, cmap="RdYlGn_r", vmin=0.0, vmax=1.0, aspect="auto")
    for c in terrain["cells"]:
        value = "" if c["value"] is None else f"{c['value']:g}\n"
        progress = "" if c["progress"] is None else f"\np {c['progress']:.2f}"
        label = f"{value}{c['fall_rate']:.0%}{progress}"
        ax.text(c["level"], kinds.index(c["type"]), label, ha="center", va="center", fontsize=7)
    for row, kind in enumerate(kinds):
        level = terrain["limits"][kind]["level"]
        if level is not None:
            ax.add_patch(plt.Rectangle((level - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="k", linewidth=2))
    units = {kind: terrain["limits"][kind]["unit"] for kind in kinds}
    ax.set_yticks(range(len(kinds)), [f"{k} ({units[k]})" if units[k] else k for k in kinds], fontsize=8)
    ax.set_xticks(range(levels), [f"level {i}" for i in range(levels)], fontsize=8)
    fig.colorbar(image, ax=ax, label="fall rate")
    limit = f"limit: fall rate <= {terrain['max_fall_rate']:g}, p >= {terrain['min_progress']:g}, outlined"
    ax.set_title(f"Fall rate per terrain type and level ({limit})", fontsize=9)
    fig.tight_layout()
    fig.savefig(target, format="png", dpi=110)
    plt.close(fig)
