"""FactorVAE score (Kim & Mnih 2018, "Disentangling by factorising", sec. 4), with
disentanglement_lib's sizes and majority-vote classifier."""

import numpy as np

from vae_tf.data.ground_truth import randint
from vae_tf.metrics.codes import IMAGES_PER_CALL, as_codes, encode

# A code dimension whose global standard deviation is below this is inactive ("collapsed").
ACTIVE_STD = 0.05


def factor_vae_votes(ground_truth_data, representation_function, num_votes, random_state,
                     global_variances, active, batch_size=64):
    """``votes [K, num_active]``: how often fixing factor ``k`` made active code ``j`` the least
    variable one.

    A vote fixes factor ``k`` (uniform) in ``batch_size`` sampled factor rows (the value of the
    first row is copied into the column), encodes them and takes
    ``argmin_j var_j(batch) / global_variances[j]`` over the active dimensions (variances with
    ``ddof=1``, as the reference). ``random_state`` is consumed vote by vote as in
    disentanglement_lib (k, factors, images); several votes' images are encoded in one call.
    """
    if batch_size < 2:
        raise ValueError(f"batch_size must be at least 2 (a variance), got {batch_size}")
    votes_per_call = max(1, IMAGES_PER_CALL // batch_size)
    votes = np.zeros((ground_truth_data.num_factors, int(active.sum())), np.int64)
    for start in range(0, num_votes, votes_per_call):
        images, fixed = [], []
        for _ in range(min(votes_per_call, num_votes - start)):
            k = int(randint(random_state, ground_truth_data.num_factors, None))
            factors = ground_truth_data.sample_factors(batch_size, random_state)
            factors[:, k] = factors[0, k]
            images.append(ground_truth_data.sample_observations_from_factors(factors,
                                                                             random_state))
            fixed.append(k)
        images = np.concatenate(images)
        codes = as_codes(representation_function(images), len(images))
        codes = codes.reshape(len(fixed), batch_size, -1)[:, :, active]  # [votes, B, active]
        ratios = np.var(codes, axis=1, ddof=1) / global_variances[active]
        np.add.at(votes, (np.array(fixed), np.argmin(ratios, axis=1)), 1)
    return votes


def majority_vote_accuracy(votes, classifier):
    """``Σ_j votes[classifier[j], j] / Σ votes``: the accuracy of predicting factor
    ``classifier[j]`` whenever code ``j`` wins a vote."""
    total = votes.sum()
    return float(votes[classifier, np.arange(votes.shape[1])].sum() / total) if total else 0.0


def factor_vae_score(ground_truth_data, representation_function, random_state, batch_size=64,
                     num_train=10000, num_eval=5000, num_variance_estimate=10000):
    """``{"train_accuracy", "eval_accuracy", "num_active_dims"}`` of the FactorVAE
    majority-vote classifier.

    Global variances (``ddof=1``) come from ``num_variance_estimate`` sampled observations; a
    code dimension is active if its standard deviation is at least 0.05, and with none active
    every score is 0. The classifier maps code ``j`` to the factor with most of its
    ``num_train`` training votes (:func:`factor_vae_votes`); it is scored on those votes and on
    ``num_eval`` fresh ones. ``num_active_dims`` is the number of active dimensions:
    disentanglement_lib reports the length of its boolean mask, i.e. always ``d``.
    """
    observations = ground_truth_data.sample(num_variance_estimate, random_state)[1]
    global_variances = np.var(encode(representation_function, observations), axis=0, ddof=1)
    active = np.sqrt(global_variances) >= ACTIVE_STD
    if not active.any():
        return {"train_accuracy": 0.0, "eval_accuracy": 0.0, "num_active_dims": 0}
    train_votes = factor_vae_votes(ground_truth_data, representation_function, num_train,
                                   random_state, global_variances, active, batch_size)
    classifier = np.argmax(train_votes, axis=0)
    eval_votes = factor_vae_votes(ground_truth_data, representation_function, num_eval,
                                  random_state, global_variances, active, batch_size)
    return {"train_accuracy": majority_vote_accuracy(train_votes, classifier),
            "eval_accuracy": majority_vote_accuracy(eval_votes, classifier),
            "num_active_dims": int(active.sum())}
