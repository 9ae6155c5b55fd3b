"""Latent-space figures of one run (``--latent_figures``), from its held-out images:

=================================  ==============================================================
file (under ``<figure_dir>/<run>``)  what
=================================  ==============================================================
``latent_map.png``                 the encoder means of the held-out images in 2-D: PCA (latent
                                   units) and t-SNE (scikit-learn), coloured by label or by a
                                   ground-truth factor
``interpolations.png``             decoded straight lines between the means of pairs of held-out
                                   images (the ends are their reconstructions from the mean)
``kl_distribution.png``            each latent's KL to N(0, 1) over the held-out images (boxes)
=================================  ==============================================================

The arrays come from numpy and scikit-learn; the decoder comes in as a function, so everything
but the plots is testable without a model. The comparison figures across runs and checkpoints
(autoencoder against VAE, class drift) are in :mod:`.latent_comparisons`.
"""

import numpy as np

from vae_tf.figures import plotting
from vae_tf.training.callbacks import image_grid

MAP_FILE = "latent_map.png"
INTERPOLATION_FILE = "interpolations.png"
KL_FILE = "kl_distribution.png"
# Interpolation strips: pairs of held-out images and decoded points per line (ends included).
PAIRS = 6
STEPS = 8
GAP = 2
# t-SNE (scikit-learn): the perplexity (at most a third of the points) and its seed.
PERPLEXITY = 30.0
TSNE_SEED = 0
# Fewest held-out images a map is drawn from (PCA and t-SNE need a few points).
MIN_MAP_IMAGES = 3


def pca(codes, components=2):
    """``(projected, explained)``: ``codes`` ``[N, d]`` on their first principal axes
    (centred, latent units) and the share of the variance each axis explains."""
    from sklearn.decomposition import PCA

    model = PCA(n_components=components, svd_solver="full").fit(np.asarray(codes, np.float64))
    return model.transform(codes), model.explained_variance_ratio_, model


def tsne(codes, seed=TSNE_SEED):
    """``[N, 2]`` t-SNE embedding of ``codes`` (PCA initialisation, a fixed seed)."""
    from sklearn.manifold import TSNE

    codes = np.asarray(codes, np.float64)
    perplexity = min(PERPLEXITY, max(1.0, (len(codes) - 1) / 3))
    return TSNE(2, perplexity=perplexity, init="pca", learning_rate="auto",
                random_state=seed).fit_transform(codes)


def kl_per_image(mean, logvar):
    """KL of each latent to N(0, 1) for each image, ``[N, d]`` nats."""
    mean = np.asarray(mean, np.float64)
    logvar = np.asarray(logvar, np.float64)
    return 0.5 * (mean**2 + np.exp(logvar) - logvar - 1.0)


def pairs(count, labels=None, num=PAIRS):
    """Index pairs ``[num, 2]`` of held-out images to interpolate between: ``(2k, 2k + 1)``,
    or with labels image ``2k`` and the first later image of another label."""
    chosen = []
    for first in range(0, count - 1, 2):
        second = first + 1
        if labels is not None:
            others = np.nonzero(labels[first + 1:] != labels[first])[0]
            second = first + 1 + others[0] if len(others) else second
        chosen.append((first, second))
        if len(chosen) == num:
            break
    return np.asarray(chosen, np.int64).reshape(-1, 2)


def interpolation_codes(start, end, steps=STEPS):
    """``[P, steps, d]`` float32: the straight lines from ``start`` ``[P, d]`` to ``end``, ends
    included exactly (``t = 0`` is ``start``, ``t = 1`` is ``end``)."""
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[None, :, None]
    start = np.asarray(start, np.float32)[:, None]
    end = np.asarray(end, np.float32)[:, None]
    return ((1 - t) * start + t * end).astype(np.float32)


def interpolations(decode, mean, index_pairs, steps=STEPS):
    """Decoded images ``[P, steps, H, W, C]`` of :func:`interpolation_codes` between the means
    of each pair; ``decode`` maps codes ``[N, d]`` to images in [0, 1]."""
    codes = interpolation_codes(mean[index_pairs[:, 0]], mean[index_pairs[:, 1]], steps)
    images = np.asarray(decode(codes.reshape(-1, codes.shape[-1])))
    return images.reshape(codes.shape[:2] + images.shape[1:])


def scatter(axes, points, colours, size=6):
    """Points coloured by ``colours`` (:class:`~vae_tf.data.sources.Colours`, or None: one
    colour); returns the mappable for a colour bar (None without colours)."""
    if colours is None:
        axes.scatter(points[:, 0], points[:, 1], s=size, c="tab:blue", linewidths=0)
        return None
    if colours.class_names:
        import matplotlib
        classes = len(colours.class_names)
        cmap = matplotlib.colormaps["tab10" if classes <= 10 else "tab20"].resampled(classes)
        return axes.scatter(points[:, 0], points[:, 1], s=size, c=colours.values, cmap=cmap,
                            vmin=-0.5, vmax=classes - 0.5, linewidths=0)
    return axes.scatter(points[:, 0], points[:, 1], s=size, c=colours.values, cmap="viridis",
                        linewidths=0)


def colour_bar(figure, mappable, axes, colours):
    """A colour bar named after ``colours``; labels get one tick per class, by name."""
    if mappable is None:
        return
    bar = figure.colorbar(mappable, ax=axes, shrink=0.9)
    bar.set_label(colours.name)
    if colours.class_names:
        step = max(1, len(colours.class_names) // 20)
        ticks = np.arange(0, len(colours.class_names), step)
        bar.set_ticks(ticks, labels=[colours.class_names[i] for i in ticks])


def pca_label(axis, explained):
    return f"PC {axis + 1} of μ (latent units; {100 * explained[axis]:.0f} % of variance)"


def plot_map(projected, explained, embedded, colours, title):
    """PCA (left) and t-SNE (right) of the encoder means, one colour bar."""
    figure = plotting.new_figure(11.0, 5.0)
    left, right = figure.subplots(1, 2)
    scatter(left, projected, colours)
    left.set_xlabel(pca_label(0, explained))
    left.set_ylabel(pca_label(1, explained))
    left.set_title("PCA", fontsize=10)
    mappable = scatter(right, embedded, colours)
    right.set_xlabel("t-SNE 1 (no units: only neighbourhoods count)")
    right.set_ylabel("t-SNE 2 (no units)")
    right.set_title(f"t-SNE (perplexity {min(PERPLEXITY, (len(embedded) - 1) / 3):g})",
                    fontsize=10)
    colour_bar(figure, mappable, [left, right], colours)
    figure.suptitle(title, fontsize=11)
    return figure


def pair_label(pair, colours):
    if colours is None:
        return f"images {pair[0]} → {pair[1]}"
    values = [colours.class_names[v] if colours.class_names else f"{v:g}"
              for v in colours.values[pair]]
    return f"{colours.name} {values[0]} → {values[1]}"


def strip_rows(images, strips):
    """Each row: the first image, its line of decoded codes, the second image."""
    return np.concatenate([images[:, 0, None], strips, images[:, 1, None]], axis=1)


def plot_interpolations(images, strips, labels, title):
    """One row per pair: the held-out image A, the decoded line from A's mean to B's
    (``t`` = 0 ... 1) and the held-out image B; ``labels``: a row title each."""
    rows = strip_rows(images, strips)
    columns = rows.shape[1]
    height, width = rows.shape[2:4]
    cell = 0.62  # inches per image
    figure = plotting.new_figure(columns * cell + 0.4, len(rows) * (cell * height / width + 0.3)
                                 + 0.9)
    axes = figure.subplots(len(rows), 1, squeeze=False)[:, 0]
    t = np.linspace(0, 1, strips.shape[1])
    heads = ["A"] + [f"t={v:.2f}".rstrip("0").rstrip(".") for v in t] + ["B"]
    for ax, row, label in zip(axes, rows, labels):
        plotting.show_image(ax, image_grid(row, columns, GAP, fill=0.5)[0])
        ax.set_title(label, fontsize=9)
    top = axes[0]
    top.set_xticks([(k + 0.5) * (width + GAP) - 0.5 for k in range(columns)], heads,
                   fontsize=7)
    top.xaxis.set_ticks_position("top")
    figure.suptitle(title, fontsize=10)
    return figure


def plot_kl_distribution(kl, title):
    """Boxes of each latent's KL over the images (latents by decreasing mean KL), means as
    dots."""
    order = kl_order_of(kl)
    figure = plotting.new_figure(max(6.0, 0.3 * kl.shape[1] + 2.0), 4.5)
    ax = figure.subplots()
    ax.boxplot([kl[:, j] for j in order], positions=np.arange(len(order)), widths=0.6,
               showfliers=True, flierprops={"markersize": 2, "alpha": 0.4})
    ax.plot(np.arange(len(order)), kl[:, order].mean(axis=0), "o", color="tab:red",
            markersize=3, label="mean")
    ax.set_xticks(np.arange(len(order)), [f"z{j}" for j in order], fontsize=7,
                  rotation=90 if len(order) > 16 else 0)
    ax.set_xlabel("latent (by decreasing mean KL)")
    ax.set_ylabel("KL to N(0, 1) (nats per image)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(title, fontsize=10)
    return figure


def kl_order_of(kl):
    """Latents by decreasing mean of per-image KLs ``[N, d]`` (ties in index order)."""
    return np.argsort(-np.asarray(kl).mean(axis=0), kind="stable")


def map_problem(mean):
    """Why the codes ``mean`` ``[N, d]`` cannot be mapped in 2-D (a phrase), or None."""
    if mean.shape[1] < 2:
        return "one latent: nothing to lay out in 2-D"
    if len(mean) < MIN_MAP_IMAGES:
        return f"{len(mean)} held-out images; a map needs {MIN_MAP_IMAGES}"
    return None


def run_figures(vae, name, step, held_out, colours, folder, print_fn=print):
    """The three figures of one run at ``step`` into ``folder``; returns the written paths and
    what the comparison figures reuse (``points``: PCA of the means, ``strips``)."""
    import os

    from vae_tf.figures import runs

    mean, logvar = runs.encode(vae, held_out)
    count = len(held_out)
    written, summary = [], {"colours": colours}
    problem = map_problem(mean)
    if problem:
        print_fn(f"{name}: no latent map ({problem})")
    else:
        projected, explained, _ = pca(mean)
        summary.update(points=projected, explained=explained)
        title = f"{name}, step {step}\nencoder means μ of {count} held-out images"
        written.append(plotting.save_png(plot_map(projected, explained, tsne(mean), colours,
                                                  title), os.path.join(folder, MAP_FILE)))
    if count < 2:
        print_fn(f"{name}: no interpolations (one held-out image)")
    else:
        index_pairs = pairs(count, None if colours is None or not colours.class_names
                            else colours.values)
        strips = interpolations(lambda z: runs.decode(vae, z), mean, index_pairs)
        summary.update(images=held_out[index_pairs], strips=strips,
                       pair_labels=[pair_label(p, colours) for p in index_pairs])
        title = (f"{name}, step {step}\nthe straight line from the posterior mean of held-out "
                 f"image A to B's,\ndecoded at {STEPS} points (t = 0 and 1: their "
                 "reconstructions)")
        written.append(plotting.save_png(
            plot_interpolations(held_out[index_pairs], strips, summary["pair_labels"], title),
            os.path.join(folder, INTERPOLATION_FILE)))
    title = f"{name}, step {step}\nKL of each latent over {count} held-out images"
    written.append(plotting.save_png(plot_kl_distribution(kl_per_image(mean, logvar), title),
                                     os.path.join(folder, KL_FILE)))
    return written, summary

