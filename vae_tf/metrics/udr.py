"""Unsupervised Disentanglement Ranking (Duan et al. 2020, "Unsupervised model selection for
variational disentangled representation learning", sec. 3), in disentanglement_lib's form.

UDR needs no factors but several trained models: models that disentangle agree with each other
up to a permutation and signs of their latents, entangled ones each in their own way. Every
pair of models is scored by how one-to-one the correlations between their informative latents
are; a model's score is the median over the other models. Use it to choose among runs of one
setting (seeds) or of several settings, on the same data::

    python -m vae_tf.metrics.udr RUN_DIR RUN_DIR ... [--num_points=10000]
        [--correlation=lasso|spearman] [--output=udr.json]

From Python: :func:`udr` on arrays, :func:`compute_udr` on posterior functions and a
ground-truth (or any observation-sampling) data set.
"""

import argparse
import json
import sys

import numpy as np
from scipy.stats import rankdata
from sklearn.linear_model import Lasso

from vae_tf.metrics.codes import sampled_codes

# A latent whose KL to the prior (nats, mean over points) is at most this carries no
# information and is left out (disentanglement_lib's kl_filter_threshold).
KL_THRESHOLD = 0.01
# disentanglement_lib's Lasso penalty on standardised codes.
LASSO_ALPHA = 0.1
CORRELATIONS = ("lasso", "spearman")


def standardized(codes):
    """Codes ``[N, d]`` with zero mean and unit variance per column (constant ones: zero)."""
    codes = np.asarray(codes, np.float64)
    std = codes.std(axis=0)
    return (codes - codes.mean(axis=0)) / np.where(std > 0, std, 1.0)


def spearman_matrix(a, b):
    """``|ρ_s(a_i, b_j)|`` ``[d_a, d_b]``: absolute Spearman rank correlations (0 with a
    constant column)."""
    ranks_a, ranks_b = (standardized(rankdata(x, axis=0)) for x in (a, b))
    return np.abs(ranks_a.T @ ranks_b) / len(ranks_a)


def lasso_matrix(a, b, alpha=LASSO_ALPHA, seed=0):
    """``|W_ij|`` ``[d_a, d_b]``: absolute weights of a Lasso regression (penalty ``alpha``)
    of the standardised ``b`` on the standardised ``a``."""
    model = Lasso(alpha=alpha, random_state=seed).fit(standardized(a), standardized(b))
    return np.abs(model.coef_).reshape(np.shape(b)[1], np.shape(a)[1]).T


def relative_strength(r):
    """``½ (mean_i max_j R_ij² / Σ_j R_ij + mean_j max_i R_ij² / Σ_i R_ij)`` of a similarity
    matrix ``R ≥ 0``: 1 when every row and column holds one non-zero entry; a row or column
    of zeros counts 0."""
    r = np.asarray(r, np.float64)
    if r.size == 0:
        return 0.0

    def one_side(m):
        sums = m.sum(axis=1)
        return np.mean(np.where(sums > 0, m.max(axis=1) ** 2 / np.where(sums > 0, sums, 1), 0))
    return float(0.5 * (one_side(r) + one_side(r.T)))


def pair_score(codes_a, codes_b, informative_a, informative_b, correlation="lasso", seed=0):
    """UDR of two models: :func:`relative_strength` of the similarity matrix of their codes
    (``[N, d_a]``, ``[N, d_b]`` of the same observations) between the informative latents
    (boolean masks; a model without any scores 0). Lasso is not symmetric: both directions are
    scored and averaged."""
    a = standardized(codes_a)[:, np.asarray(informative_a, bool)]
    b = standardized(codes_b)[:, np.asarray(informative_b, bool)]
    if a.shape[1] == 0 or b.shape[1] == 0:
        return 0.0
    if correlation == "spearman":
        return relative_strength(spearman_matrix(a, b))
    return 0.5 * (relative_strength(lasso_matrix(a, b, seed=seed))
                  + relative_strength(lasso_matrix(b, a, seed=seed)))


def udr(codes, kl=None, correlation="lasso", kl_threshold=KL_THRESHOLD, seed=0):
    """UDR of several models: ``{"model_scores" [M], "pairwise" [M, M]}``.

    codes: a list of ``M ≥ 2`` arrays ``[N, d_m]``, each model's codes (encoder means) of the
    same ``N`` observations. kl: a list of ``[d_m]`` mean KLs per latent (None: every latent is
    informative); latents at or below ``kl_threshold`` are left out. ``pairwise[i, j]`` is
    :func:`pair_score` (diagonal: 1); a model's score is the median of its row off the
    diagonal. Scores lie in [0, 1]; higher is more disentangled.
    """
    if correlation not in CORRELATIONS:
        raise ValueError(f"correlation must be one of {CORRELATIONS}, got {correlation!r}")
    if len(codes) < 2:
        raise ValueError(f"UDR compares models: expected at least 2, got {len(codes)}")
    codes = [np.asarray(c, np.float64) for c in codes]
    informative = [np.ones(c.shape[1], bool) if kl is None else np.asarray(kl[m]) > kl_threshold
                   for m, c in enumerate(codes)]
    num_models = len(codes)
    pairwise = np.eye(num_models)
    for i in range(num_models):
        for j in range(i + 1, num_models):
            pairwise[i, j] = pairwise[j, i] = pair_score(
                codes[i], codes[j], informative[i], informative[j], correlation, seed)
    off_diagonal = ~np.eye(num_models, dtype=bool)
    scores = [float(np.median(pairwise[i][off_diagonal[i]])) for i in range(num_models)]
    return {"model_scores": scores, "pairwise": pairwise.tolist()}


def mean_kl(mean, logvar):
    """Mean over points of each latent's KL to N(0, 1), ``[d]``, from ``[N, d]`` posteriors."""
    mean, logvar = np.asarray(mean, np.float64), np.asarray(logvar, np.float64)
    return np.mean(0.5 * (mean ** 2 + np.exp(logvar) - logvar - 1), axis=0)


def compute_udr(ground_truth_data, posterior_functions, random_state, num_points=10000,
                batch_size=64, correlation="lasso", representation="mean", seed=0):
    """:func:`udr` of models given as ``posterior(images) -> (mean, logvar)`` functions on
    ``num_points`` observations of ``ground_truth_data`` (factors drawn and ignored), each batch
    encoded by every model. The codes compared are the posterior means (``representation``
    ``mean``, as disentanglement_lib) or one sample ``mean + σ ε`` per observation (``sampled``,
    ``ε`` from ``numpy.random.default_rng(seed)``); the KLs that pick the informative latents
    come from the posteriors either way."""
    means = [[] for _ in posterior_functions]
    logvars = [[] for _ in posterior_functions]
    for start in range(0, num_points, batch_size):
        _, observations = ground_truth_data.sample(min(batch_size, num_points - start),
                                                   random_state)
        for m, posterior in enumerate(posterior_functions):
            mean, logvar = posterior(observations)
            means[m].append(np.asarray(mean, np.float64))
            logvars[m].append(np.asarray(logvar, np.float64))
    means = [np.concatenate(m) for m in means]
    logvars = [np.concatenate(v) for v in logvars]
    kl = [mean_kl(m, v) for m, v in zip(means, logvars)]
    codes = means
    if representation == "sampled":
        rng = np.random.default_rng(seed)
        codes = [sampled_codes(m, v, rng) for m, v in zip(means, logvars)]
    return udr(codes, kl, correlation)


def main(argv=None):
    """``python -m vae_tf.metrics.udr RUN_DIR...``: UDR of the newest checkpoint of each run
    (all on the first run's data set); prints one line per run, optionally writes JSON."""
    parser = argparse.ArgumentParser(prog="python -m vae_tf.metrics.udr",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dirs", nargs="+", help="run directories (at least 2)")
    parser.add_argument("--num_points", type=int, default=10000)
    parser.add_argument("--correlation", choices=CORRELATIONS, default="lasso")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--representation", choices=("mean", "sampled"), default="mean",
                        help="compare posterior means (default) or one posterior sample each")
    parser.add_argument("--output", help="write the scores to this JSON file")
    args = parser.parse_args(argv)
    if len(args.run_dirs) < 2:
        parser.error("UDR compares models: give at least 2 run directories")

    from vae_tf.data.sources import ground_truth_data
    from vae_tf.training.build import build_vae, load_networks
    from vae_tf.training.checkpoints import restore_newest
    from vae_tf.training.evaluation import posterior_function
    from vae_tf.training.run_dir import load_config

    posteriors, checkpoints, data = [], [], None
    for run_dir in args.run_dirs:
        config = load_config(run_dir)
        if config is None:
            parser.error(f"{run_dir} holds no config.json")
        vae = build_vae(config, precision="off")
        checkpoint = restore_newest(lambda prefix, vae=vae: load_networks(vae, prefix), run_dir,
                                    set_aside=False)
        if not checkpoint:
            parser.error(f"{run_dir} holds no checkpoint")
        data = data or ground_truth_data(config)
        if data is None:
            parser.error(f"{run_dir}: --dataset={config.dataset} has no ground-truth sampler")
        posteriors.append(posterior_function(vae))
        checkpoints.append(checkpoint)
    result = compute_udr(data, posteriors, np.random.RandomState(args.seed), args.num_points,
                         correlation=args.correlation, representation=args.representation,
                         seed=args.seed)
    for checkpoint, score in zip(checkpoints, result["model_scores"]):
        print(f"{score:.4f}  {checkpoint}")
    if args.output:
        record = {"correlation": args.correlation, "num_points": args.num_points,
                  "representation": args.representation, "seed": args.seed,
                  "checkpoints": checkpoints, **result}
        with open(args.output, "w") as f:
            json.dump(record, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
