"""Ground-truth plots (seed 004): ``<run>/ground_truth.png``, for runs on data with factors.

Gonzalob90's "mean activations": for every active latent (variance of the posterior mean over
the data above ``ACTIVE_VARIANCE``), the posterior mean averaged over everything but some
factors, drawn against those factors:

* a map over each position (dSprites: ``x_position`` across, ``y_position`` down; balls: each
  ball's ``ball<i>_x`` and ``ball<i>_y``), averaged over the other factors;
* a curve over every other factor (dSprites: scale and orientation), one line per value of
  ``shape`` when the data has that factor, averaged over the rest.

Written against :class:`~vae_tf.data.ground_truth.GroundTruthData` and its factor names. The
original encoded the whole dSprites grid; here every cell of a map or curve averages
``per_cell`` images whose other factors are drawn uniformly (a stratified sample: 4,648 images
for dSprites at the default 4, 4,096 per ball for balls), which gives the same averages in
expectation at a few seconds per run.
"""

import dataclasses
import re

import numpy as np

from vae_tf.figures import plotting

ACTIVE_VARIANCE = 0.01
PER_CELL = 4
SEED = 5
FILE_NAME = "ground_truth.png"
MIN_WIDTH = 5.0
GROUP_FACTOR = "shape"
# Names of factor values where the data set documents them (dSprites' shape order).
VALUE_NAMES = {"shape": ("square", "ellipse", "heart")}


@dataclasses.dataclass(frozen=True)
class Layout:
    """Which factors make maps and curves: ``positions`` holds ``(label, x, y)`` factor index
    pairs; ``group`` the factor whose values get a line each (or None); ``curves`` the factors
    on a curve's horizontal axis."""

    positions: tuple
    group: object
    curves: tuple


def layout(factor_names):
    """The :class:`Layout` of data with these factor names."""
    names = list(factor_names)
    positions, used = [], set()
    for x, name in enumerate(names):
        match = re.fullmatch(r"(x_position)|(.+)_x", name)
        partner = "y_position" if name == "x_position" else f"{match.group(2)}_y" if match else None
        if partner in names:
            label = "position" if name == "x_position" else f"{match.group(2)} position"
            positions.append((label, x, names.index(partner)))
            used |= {x, names.index(partner)}
    group = names.index(GROUP_FACTOR) if GROUP_FACTOR in names else None
    curves = tuple(i for i in range(len(names)) if i not in used and i != group)
    return Layout(tuple(positions), group, curves)


def stratified_factors(num_values, fixed, per_cell, rng):
    """``[cells * per_cell, K]`` factor indices: every combination of the factors ``fixed``
    (the last varying fastest), each repeated ``per_cell`` times in a row, the other factors
    drawn uniformly from ``rng``."""
    axes = [np.arange(num_values[f]) for f in fixed]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape((-1, len(fixed)))
    count = len(grid) * per_cell
    factors = np.stack([rng.integers(0, n, count) for n in num_values], axis=1)
    factors[:, list(fixed)] = np.repeat(grid, per_cell, axis=0)
    return factors


def cell_means(codes, per_cell):
    """Means of consecutive groups of ``per_cell`` rows of ``codes [cells * per_cell, d]``."""
    codes = np.asarray(codes, np.float64)
    return codes.reshape((-1, per_cell, codes.shape[-1])).mean(axis=1)


def active_latents(codes, threshold=ACTIVE_VARIANCE):
    """``(latents, variances)``: the latents whose variance over ``codes [N, d]`` exceeds
    ``threshold``, in index order, and those variances."""
    variance = np.asarray(codes, np.float64).var(axis=0)
    latents = np.flatnonzero(variance > threshold)
    return latents, variance[latents]


@dataclasses.dataclass
class Panel:
    """One column of the figure: ``kind`` ``"map"`` (``means [ny, nx, d]``) or ``"curve"``
    (``means [groups, values, d]``)."""

    kind: str
    title: str
    means: np.ndarray
    group_labels: tuple = ()


def mean_activations(data, encode_mean, per_cell=PER_CELL, seed=SEED):
    """``(panels, codes)``: the :class:`Panel` of every map and curve of ``data`` and all the
    posterior means sampled for them (for the active-latent test). ``encode_mean`` maps images
    to posterior means ``[N, d]``."""
    plan = layout(data.factor_names)
    num_values = tuple(data.factors_num_values)
    rng = np.random.default_rng(seed)
    panels, codes = [], []

    def means(fixed):
        factors = stratified_factors(num_values, fixed, per_cell, rng)
        mu = np.asarray(encode_mean(data.sample_observations_from_factors(factors, rng)))
        codes.append(mu)
        shape = tuple(num_values[f] for f in fixed)
        return cell_means(mu, per_cell).reshape(shape + (mu.shape[-1],))

    for label, x, y in plan.positions:
        panels.append(Panel("map", f"{label} (x across, y down)", means((y, x))))
    for factor in plan.curves:
        name = data.factor_names[factor]
        if plan.group is None:
            panels.append(Panel("curve", name, means((factor,))[None]))
            continue
        group = data.factor_names[plan.group]
        labels = VALUE_NAMES.get(group, ())
        if len(labels) != num_values[plan.group]:
            labels = tuple(f"{group} {v}" for v in range(num_values[plan.group]))
        panels.append(Panel("curve", name, means((plan.group, factor)), labels))
    return panels, np.concatenate(codes)


def figure_size(rows, columns):
    """Inches of the figure of ``rows`` latents and ``columns`` panels."""
    return max(MIN_WIDTH, 2.8 * columns + 1.5), 1.9 * rows + 1.3


def plot(panels, latents, variances, title):
    """Rows: the active ``latents`` (labelled with their variance); columns: the ``panels``."""
    rows, columns = len(latents), len(panels)
    # Fixed margins in inches (constrained layout takes seconds for tens of axes); the panels
    # are centred in a figure at least MIN_WIDTH wide, so the title fits.
    panels_width = 2.8 * columns
    width, height = figure_size(rows, columns)
    left = (width - panels_width - 1.5) / 2 + 1.2
    margins = dict(left=left / width, right=(left + panels_width - 0.3) / width,
                   top=1 - 1.1 / height, bottom=0.5 / height, wspace=0.55, hspace=0.3)
    figure = plotting.new_figure(width, height, constrained=False)
    axes = figure.subplots(rows, columns, squeeze=False, gridspec_kw=margins)
    for r, (latent, variance) in enumerate(zip(latents, variances)):
        for c, panel in enumerate(panels):
            ax = axes[r, c]
            if panel.kind == "map":
                drawn = plotting.show_image(ax, panel.means[..., latent:latent + 1],
                                            cmap="RdBu_r", vmin=None, vmax=None)
                figure.colorbar(drawn, ax=ax, fraction=0.046, pad=0.04)
            else:
                for g, label in enumerate(panel.group_labels or (None,)):
                    ax.plot(panel.means[g, :, latent], label=label, linewidth=1.2)
                ax.tick_params(labelsize=7)
                if r == rows - 1:
                    ax.set_xlabel(f"{panel.title} (value index)", fontsize=9)
                if r == 0 and panel.group_labels:
                    ax.legend(fontsize=7)
            if r == 0:
                ax.set_title(panel.title, fontsize=10)
        axes[r, 0].set_ylabel(f"z{latent}\nVar(μ) = {variance:.2f}", fontsize=9)
    figure.suptitle(title, fontsize=10)
    return figure
