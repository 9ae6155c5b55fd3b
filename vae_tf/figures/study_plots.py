"""The study's figures (:mod:`vae_tf.study`), from its runs' scores alone (no model is loaded).

- :func:`boxes`: one score against the regularisation strength, a panel per method that has
  values, a box over the seeds per strength (strengths as categories in sweep order) with each
  seed's value as a dot;
- :func:`rank_correlation`: the Spearman rank correlation between every two scores over the
  runs that have both, as a heat map with a labelled colour bar;
- :func:`udr_scatter`: each supervised score against UDR, a panel per score, a colour per
  method.
"""

import math

import numpy as np
from scipy.stats import spearmanr

from vae_tf.config import WEIGHT_SYMBOLS
from vae_tf.figures import plotting
from vae_tf.study import LABELS, METHODS, SWEEPS, values_by_strength

COLUMNS = 3
# A correlation needs this many runs holding both scores (and neither constant).
MIN_PAIRS = 3


def boxes(runs, name, context):
    """Score ``name`` per strength, a panel per method with values; ``context`` (data set and
    budget) goes into the title."""
    panels = [(objective, values_by_strength(runs, objective, name)) for objective in SWEEPS]
    panels = [(objective, found) for objective, found in panels if found]
    columns = min(COLUMNS, len(panels))
    rows = math.ceil(len(panels) / columns)
    figure = plotting.new_figure(4.2 * columns, 3.2 * rows + 0.7)
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    rng = np.random.default_rng(0)
    for ax, (objective, found) in zip(axes, panels):
        positions = np.arange(len(found))
        values = list(found.values())
        ax.boxplot(values, positions=positions, widths=0.5, showfliers=False,
                   medianprops={"color": "tab:orange"})
        for x, seeds in zip(positions, values):
            ax.plot(x + rng.uniform(-0.12, 0.12, len(seeds)), seeds, "o", color="tab:blue",
                    markersize=3.5, alpha=0.7)
        ax.set_xticks(positions, [f"{s:g}" for s in found])
        seeds = max(len(v) for v in values)
        ax.set_title(f"{METHODS[objective]} (up to {seeds} seed{'s' * (seeds != 1)})",
                     fontsize=10)
        ax.set_xlabel(WEIGHT_SYMBOLS[SWEEPS[objective][0]])
        ax.set_ylabel(LABELS[name])
        ax.grid(axis="y", alpha=0.3)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    figure.suptitle(f"{LABELS[name]} against the regularisation strength\n{context}; "
                    "boxes over seeds, dots: one seed each", fontsize=11)
    return figure


def correlation_matrix(runs, names):
    """``[len(names)]²`` Spearman ρ between the scores over the runs having both (NaN with
    fewer than :data:`MIN_PAIRS` or a constant score)."""
    matrix = np.full((len(names), len(names)), np.nan)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            pairs = [(r.scores[a], r.scores[b]) for r in runs if a in r.scores and b in r.scores]
            if len(pairs) < MIN_PAIRS:
                continue
            x, y = np.array(pairs).T
            if np.ptp(x) == 0 or np.ptp(y) == 0:
                continue
            matrix[i, j] = spearmanr(x, y).statistic
    return matrix


def rank_correlation(runs, names, context):
    """Heat map of :func:`correlation_matrix`, each cell's ρ written in it (``n/a``: too few
    runs with both, or a constant score)."""
    matrix = correlation_matrix(runs, names)
    side = 1.6 + 0.75 * len(names)
    figure = plotting.new_figure(side + 2.6, side + 1.2)
    ax = figure.subplots()
    drawn = ax.imshow(np.ma.masked_invalid(matrix), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_facecolor("0.85")
    labels = [LABELS[n] for n in names]
    ax.set_xticks(range(len(names)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), labels, fontsize=8)
    for i in range(len(names)):
        for j in range(len(names)):
            value = matrix[i, j]
            ax.text(j, i, "n/a" if np.isnan(value) else f"{value:.2f}", ha="center",
                    va="center", fontsize=7, color="white" if abs(value) > 0.6 else "black")
    figure.colorbar(drawn, ax=ax, shrink=0.8, label="Spearman rank correlation ρ")
    ax.set_xlabel("score")
    ax.set_ylabel("score")
    scored = sum(r.status == "scored" for r in runs)
    ax.set_title(f"Rank correlation between the scores over {scored} runs\n{context}",
                 fontsize=10)
    return figure


def udr_scatter(runs, names, context):
    """Each supervised score in ``names`` against UDR, a panel per score with values beside
    UDR, a colour per method; the panel title gives Spearman ρ."""
    panels = [n for n in names if any("udr" in r.scores and n in r.scores for r in runs)]
    columns = min(COLUMNS, len(panels))
    rows = math.ceil(len(panels) / columns)
    figure = plotting.new_figure(4.2 * columns, 3.3 * rows + 0.9)
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    colours = dict(zip(SWEEPS, ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple",
                                "tab:brown")))
    for ax, name in zip(axes, panels):
        both = [r for r in runs if "udr" in r.scores and name in r.scores]
        for objective in SWEEPS:
            mine = [r for r in both if r.config.objective == objective]
            if mine:
                ax.scatter([r.scores["udr"] for r in mine], [r.scores[name] for r in mine],
                           s=16, color=colours[objective], label=METHODS[objective], alpha=0.8)
        rho = correlation_matrix(both, ["udr", name])[0, 1]
        ax.set_title(f"{LABELS[name]}: ρ = {'n/a' if np.isnan(rho) else f'{rho:.2f}'} "
                     f"({len(both)} runs)", fontsize=10)
        ax.set_xlabel("UDR")
        ax.set_ylabel(LABELS[name])
        ax.grid(alpha=0.3)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    handles, labels = [], []
    for ax in axes[:len(panels)]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    figure.legend(handles, labels, loc="outside lower center", ncols=min(6, len(labels)),
                  fontsize=8)
    figure.suptitle(f"UDR against the supervised scores\n{context}; one dot per run",
                    fontsize=11)
    return figure
