"""Known-answer and sanity tests of the disentanglement metrics (disentanglement_lib's sanity
table: identity codes score high, constant or random codes low, duplicated codes split)."""

import inspect
import math

import numpy as np
import pytest
from sklearn.metrics import mutual_info_score

from vae_tf import metrics
from vae_tf.config import ALL_METRIC_NAMES
from vae_tf.data.ground_truth import GroundTruthData
from vae_tf.metrics.beta_vae_score import beta_vae_points
from vae_tf.metrics.codes import discretize, entropies, mutual_info, mutual_info_matrix

K = 10


class IdentityData(GroundTruthData):
    """10 factors uniform on 10 values; the observation is the factors themselves."""

    factor_names = tuple(f"factor{i}" for i in range(K))
    factors_num_values = (10,) * K
    observation_shape = (K,)

    def sample_observations_from_factors(self, factors, random_state):
        return np.asarray(factors, np.float32)


DATA = IdentityData()


def identity(x):
    return np.asarray(x)


def zeros(x):
    return np.zeros((len(x), K), np.float32)


def duplicated(x):
    return np.hstack([x, x])


def random_codes(seed=0):
    """Fresh normal codes on every call, unrelated to the observations."""
    rng = np.random.default_rng(seed)
    return lambda x: rng.normal(size=(len(x), K)).astype(np.float32)


def rs():
    return np.random.RandomState(0)


# --- shared codes and information quantities --------------------------------------------------

def test_discretize_six_points_in_three_bins():
    codes = np.array([[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]], np.float32).T
    np.testing.assert_array_equal(discretize(codes, num_bins=3).T,
                                  [[0, 0, 1, 1, 2, 2], [2, 2, 1, 1, 0, 0]])


def test_discretize_uses_each_dimensions_own_range():
    u = np.random.default_rng(0).uniform(size=1000)
    codes = np.stack([u, 1e4 * u - 3.0, -u, np.full(1000, 3.0)], 1)
    bins = discretize(codes, num_bins=20)
    assert bins.dtype == np.int64
    np.testing.assert_array_equal(bins[:, 0], np.minimum(np.floor(
        (u - u.min()) / (u.max() - u.min()) * 20), 19))
    np.testing.assert_array_equal(bins[:, 1], bins[:, 0])
    np.testing.assert_array_equal(bins[:, 2], 19 - bins[:, 0])  # a flipped sign reverses bins
    np.testing.assert_array_equal(bins[:, 3], 0)  # a constant dimension


def test_mutual_info_of_identical_binary_vectors_is_ln2():
    x = np.array([0, 1] * 50)
    assert mutual_info(x, x) == pytest.approx(math.log(2), abs=1e-12)
    assert mutual_info(x, 1 - x) == pytest.approx(math.log(2), abs=1e-12)
    np.testing.assert_allclose(entropies(np.stack([x, np.zeros_like(x)], 1)), [math.log(2), 0])


def test_mutual_info_matches_scikit_learn():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 7, 500)
    b = (a + rng.integers(0, 3, 500)) % 5
    assert mutual_info(a, b) == pytest.approx(mutual_info_score(a, b), abs=1e-12)
    m = mutual_info_matrix(np.stack([a, b], 1), np.stack([b, a, np.zeros_like(a)], 1))
    assert m.shape == (2, 3)
    np.testing.assert_allclose(m[:, 2], 0)
    assert m[0, 0] == pytest.approx(mutual_info_score(a, b), abs=1e-12)
    assert m[0, 1] == pytest.approx(mutual_info_score(a, a), abs=1e-12)


def test_sample_codes_encodes_every_point_once():
    calls = []

    def spy(x):
        calls.append(len(x))
        return x * 2

    codes, factors = metrics.sample_codes(DATA, spy, 37, rs(), batch_size=16)
    assert calls == [16, 16, 5]
    assert codes.shape == (37, K) and factors.shape == (37, K) and factors.dtype == np.int64
    np.testing.assert_array_equal(codes, 2 * factors)


# --- BetaVAE ------------------------------------------------------------------------------

def test_beta_vae_identity_scores_high():
    scores = metrics.beta_vae_score(DATA, identity, rs(), batch_size=5, num_train=2000,
                                    num_eval=2000)
    assert scores["train_accuracy"] >= 0.9 and scores["eval_accuracy"] >= 0.9


def test_beta_vae_constant_codes_score_chance():
    scores = metrics.beta_vae_score(DATA, zeros, rs(), batch_size=5, num_train=500,
                                    num_eval=500)
    assert scores["eval_accuracy"] <= 0.2


def test_beta_vae_grouped_encoding_equals_one_point_at_a_time():
    weights = np.random.default_rng(1).normal(size=(K, 3))
    features, labels = beta_vae_points(DATA, lambda x: x @ weights, 20, rs(), batch_size=64)
    random_state = rs()
    for feature, label in zip(features, labels):
        k = random_state.randint(0, K)
        factors1 = DATA.sample_factors(64, random_state)
        factors2 = DATA.sample_factors(64, random_state)
        factors2[:, k] = factors1[:, k]
        x1 = DATA.sample_observations_from_factors(factors1, random_state)
        x2 = DATA.sample_observations_from_factors(factors2, random_state)
        assert label == k
        np.testing.assert_allclose(feature, np.abs(x1 @ weights - x2 @ weights).mean(0))


# --- FactorVAE ----------------------------------------------------------------------------

FACTOR_VAE_SIZES = dict(batch_size=5, num_train=3000, num_eval=2000, num_variance_estimate=2500)


def test_factor_vae_identity_scores_high():
    scores = metrics.factor_vae_score(DATA, identity, rs(), **FACTOR_VAE_SIZES)
    assert scores["train_accuracy"] >= 0.9 and scores["eval_accuracy"] >= 0.9
    assert scores["num_active_dims"] == K


def test_factor_vae_constant_codes_score_zero():
    scores = metrics.factor_vae_score(DATA, zeros, rs(), **FACTOR_VAE_SIZES)
    assert scores == {"train_accuracy": 0.0, "eval_accuracy": 0.0, "num_active_dims": 0}


def test_factor_vae_random_codes_score_low():
    scores = metrics.factor_vae_score(DATA, random_codes(), rs(), **FACTOR_VAE_SIZES)
    assert scores["eval_accuracy"] <= 0.2 and scores["num_active_dims"] == K


def test_factor_vae_counts_only_active_dimensions():
    # Three constant extra codes: disentanglement_lib would report 13 here.
    with_dead = lambda x: np.hstack([np.full((len(x), 2), 7.0), x, np.zeros((len(x), 1))])
    scores = metrics.factor_vae_score(DATA, with_dead, rs(), batch_size=5, num_train=500,
                                      num_eval=500, num_variance_estimate=500)
    assert scores["num_active_dims"] == K and scores["eval_accuracy"] >= 0.9


# --- MIG ----------------------------------------------------------------------------------

def test_mig_identity_scores_high():
    assert metrics.compute_mig(DATA, identity, rs(), num_train=3000)["discrete_mig"] >= 0.9


@pytest.mark.parametrize("representation", [zeros, random_codes()])
def test_mig_constant_or_random_codes_score_low(representation):
    assert metrics.compute_mig(DATA, representation, rs(), num_train=3000)["discrete_mig"] <= 0.2


def test_mig_duplicated_codes_score_low():
    assert metrics.compute_mig(DATA, duplicated, rs(), num_train=3000)["discrete_mig"] <= 0.1


def test_mig_is_invariant_to_permuting_and_rescaling_codes():
    rng = np.random.default_rng(0)
    factors = rng.integers(0, 10, (2000, 4))
    codes = np.hstack([factors[:, :3] + rng.normal(0, 1.5, (2000, 3)), rng.normal(size=(2000, 2))])
    value = metrics.mig(codes, factors)
    assert 0.1 < value < 0.9
    transformed = codes[:, [3, 1, 4, 0, 2]] * np.array([2.5, -1.0, 1e-3, -40.0, 7.0])
    assert metrics.mig(transformed, factors) == value


def test_mig_leaves_out_constant_factors_and_handles_one_code():
    rng = np.random.default_rng(0)
    factors = rng.integers(0, 10, (1000, 2))
    codes = factors + rng.normal(0, 0.3, (1000, 2))
    with_constant = np.hstack([factors, np.full((1000, 1), 4)])
    assert metrics.mig(codes, with_constant) == metrics.mig(codes, factors)
    one_code = metrics.mig(codes[:, :1], factors[:, :1])
    h = entropies(factors[:, :1])[0]
    assert one_code == pytest.approx(mutual_info(discretize(codes[:, :1])[:, 0], factors[:, 0]) / h)


# --- DCI ----------------------------------------------------------------------------------

def test_dci_closed_forms():
    assert metrics.disentanglement(np.eye(K)) == pytest.approx(1.0)
    assert metrics.completeness(np.eye(K)) == pytest.approx(1.0)
    assert metrics.disentanglement(np.zeros((K, K))) == pytest.approx(0.0, abs=1e-9)
    assert metrics.completeness(np.zeros((K, K))) == pytest.approx(0.0, abs=1e-9)
    one_code_two_factors = np.hstack([np.eye(5), np.eye(5)])  # 5 codes x 10 factors
    assert metrics.disentanglement(one_code_two_factors) == pytest.approx(
        1 - math.log(2) / math.log(10))
    assert metrics.completeness(one_code_two_factors) == pytest.approx(1.0)
    # Weights: a code with twice the importance counts twice as much.
    r = np.array([[2.0, 0.0], [1.0, 1.0]])
    assert metrics.disentanglement(r) == pytest.approx(2 / 4 * 1 + 2 / 4 * 0, abs=1e-9)


def test_dci_identity_scores_high():
    scores = metrics.compute_dci(DATA, identity, rs(), num_train=300, num_test=300)  # 1.0 each
    assert scores["disentanglement"] >= 0.9 and scores["completeness"] >= 0.9
    assert scores["informativeness_train"] >= 0.9 and scores["informativeness_test"] >= 0.9


def small_sample(seed):
    return DATA.sample_factors(150, np.random.RandomState(seed))


def test_dci_duplicated_codes_split_completeness():
    train, test = small_sample(0), small_sample(1)
    scores = metrics.dci(duplicated(train), train, duplicated(test), test)
    assert scores["disentanglement"] >= 0.9
    # The reference's bound. An exactly equal split between the two copies gives
    # 1 - ln2/ln20 = 0.769 here, since completeness uses base d = 20.
    assert abs(scores["completeness"] - (1 - math.log(2) / math.log(10))) <= 0.1


def test_dci_per_sample_permuted_codes_score_low():
    train, test = small_sample(0), small_sample(1)
    rng = np.random.default_rng(0)
    scores = metrics.dci(rng.permuted(train, axis=1), train, rng.permuted(test, axis=1), test)
    assert scores["disentanglement"] <= 0.2


# --- SAP ----------------------------------------------------------------------------------

SAP_SIZES = dict(num_train=3000, num_test=3000, continuous_factors=True)


def test_sap_identity_scores_high():
    assert metrics.compute_sap(DATA, identity, rs(), **SAP_SIZES)["sap"] >= 0.9


@pytest.mark.parametrize("representation", [zeros, random_codes(), duplicated])
def test_sap_constant_random_or_duplicated_codes_score_low(representation):
    assert metrics.compute_sap(DATA, representation, rs(), **SAP_SIZES)["sap"] <= 0.2


def test_sap_discrete_scores_and_constant_codes():
    rng = np.random.default_rng(0)
    factors = rng.integers(0, 2, (400, 2))
    factors[:300, 1] = 0  # factor 1 is mostly 0: a constant code's trivial accuracy is 0.75
    codes = np.hstack([factors.astype(float), np.ones((400, 1))])
    s = metrics.sap_score_matrix(codes[:200], factors[:200], codes[200:], factors[200:])
    assert s.shape == (3, 2) and s[0, 0] == 1.0 and s[1, 0] <= 0.6
    np.testing.assert_allclose(s[2], [np.mean(factors[200:, 0] == np.argmax(
        np.bincount(factors[:200, 0]))), np.mean(factors[200:, 1] == 0)])
    assert metrics.sap(np.zeros((100, 3)), factors[:100], np.zeros((100, 3)),
                       factors[100:200]) == 0.0
    assert metrics.compute_sap(DATA, zeros, rs(), num_train=200, num_test=200)["sap"] == 0.0


# --- registry and sizes -------------------------------------------------------------------

def test_registry_defaults_are_the_standard_sizes():
    assert set(metrics.METRICS) == set(metrics.STANDARD_SIZES) == {
        "beta_vae", "factor_vae", "mig", "dci", "sap", "modularity", "irs", "unsupervised"} == set(
        ALL_METRIC_NAMES)
    for name, fn in metrics.METRICS.items():
        parameters = inspect.signature(fn).parameters
        assert list(parameters)[:3] == ["ground_truth_data", "representation_function",
                                        "random_state"]
        for key, value in metrics.STANDARD_SIZES[name].items():
            assert parameters[key].default == value


def test_scaled_sizes():
    assert metrics.scaled_sizes("factor_vae", 1000) == {
        "num_train": 1000, "num_eval": 500, "num_variance_estimate": 1000}
    assert metrics.scaled_sizes("dci", 101) == {"num_train": 101, "num_test": 50}
    for name in metrics.METRICS:
        assert metrics.scaled_sizes(name, 10000) == metrics.STANDARD_SIZES[name]


def test_metrics_accept_a_generator_and_are_reproducible():
    first = metrics.compute_metric("mig", DATA, random_codes(), np.random.default_rng(3), 300)
    second = metrics.compute_metric("mig", DATA, random_codes(), np.random.default_rng(3), 300)
    assert first == second
