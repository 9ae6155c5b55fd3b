"""BetaVAE score (Higgins et al. 2017, "β-VAE: Learning basic visual concepts with a constrained
variational framework", sec. 3), with disentanglement_lib's sizes and classifier."""

import numpy as np
from sklearn.linear_model import LogisticRegression

from vae_tf.data.ground_truth import randint
from vae_tf.metrics.codes import IMAGES_PER_CALL, as_codes


def beta_vae_points(ground_truth_data, representation_function, num_points, random_state,
                    batch_size=64):
    """``(features [num_points, d], labels [num_points])`` of the BetaVAE classifier.

    A point fixes one factor ``k`` (uniform): two factor batches of ``batch_size`` rows are drawn
    and the second takes the first's column ``k``; the feature is the batch mean of
    ``|r(x1) - r(x2)|`` and the label ``k``. ``random_state`` is consumed point by point as in
    disentanglement_lib (k, factors 1, factors 2, images 1, images 2); several points' images
    are encoded in one call.
    """
    points_per_call = max(1, IMAGES_PER_CALL // (2 * batch_size))
    features, labels = [], []
    for start in range(0, num_points, points_per_call):
        images = []
        for _ in range(min(points_per_call, num_points - start)):
            k = int(randint(random_state, ground_truth_data.num_factors, None))
            factors1 = ground_truth_data.sample_factors(batch_size, random_state)
            factors2 = ground_truth_data.sample_factors(batch_size, random_state)
            factors2[:, k] = factors1[:, k]
            images.append(ground_truth_data.sample_observations_from_factors(factors1,
                                                                             random_state))
            images.append(ground_truth_data.sample_observations_from_factors(factors2,
                                                                             random_state))
            labels.append(k)
        images = np.concatenate(images)
        codes = as_codes(representation_function(images), len(images))
        codes = codes.reshape(-1, 2, batch_size, codes.shape[-1])  # [points, pair, B, d]
        features.append(np.abs(codes[:, 0] - codes[:, 1]).mean(axis=1))
    return np.concatenate(features), np.array(labels, np.int64)


def beta_vae_score(ground_truth_data, representation_function, random_state, batch_size=64,
                   num_train=10000, num_eval=5000):
    """``{"train_accuracy", "eval_accuracy"}`` of a logistic regression predicting the fixed
    factor from the BetaVAE feature (:func:`beta_vae_points`).

    As disentanglement_lib: scikit-learn's ``LogisticRegression()`` with its defaults, untuned
    (the reference's issue #28), fitted on ``num_train`` points; the ``num_eval`` evaluation
    points are drawn after fitting.
    """
    train_x, train_y = beta_vae_points(ground_truth_data, representation_function, num_train,
                                       random_state, batch_size)
    model = LogisticRegression().fit(train_x, train_y)
    eval_x, eval_y = beta_vae_points(ground_truth_data, representation_function, num_eval,
                                     random_state, batch_size)
    return {"train_accuracy": float(np.mean(model.predict(train_x) == train_y)),
            "eval_accuracy": float(np.mean(model.predict(eval_x) == eval_y))}
