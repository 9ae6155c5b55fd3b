"""Exact speed-ups of the evaluation: the factor-indexed code table, balls drawn from cached
pieces, DCI's parallel fits; the fast DCI backend and the sampled representation."""

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from vae_tf.config import METRIC_NAMES
from vae_tf.data.ball_positions import BallPositions
from vae_tf.data.balls import render
from vae_tf.metrics.code_table import CodeTable, FactorIndices
from vae_tf.metrics.dci import dci, importance_matrix
from vae_tf.training.evaluation import metric_sizes, representation_function, score

PROJECTION = np.random.RandomState(1).normal(size=(1024, 6)) / 8


def posterior(images):
    """A deterministic numpy 'encoder' of 32x32 frames: (mean, logvar), 6 codes. Row by row
    (einsum, not BLAS), so a frame's code does not depend on the batch around it."""
    x = np.asarray(images, np.float64).reshape(len(images), -1)
    mean = np.tanh(np.einsum("ni,ik->nk", x, PROJECTION) - 0.5)
    return mean, np.full_like(mean, -2.0) + 0.1 * mean


# The scores that the evaluation gave before the code table, the cached balls and the parallel
# DCI existed (commit 228e2af, every draw rendered and encoded, DCI fitted factor by factor), for
# the encoder mean of `posterior` at 400 metric points, metric seed 0.
BEFORE = {
    1: {"beta_vae": {"train_accuracy": 0.9475, "eval_accuracy": 0.92},
        "factor_vae": {"train_accuracy": 0.7625, "eval_accuracy": 0.705, "num_active_dims": 6},
        "mig": {"discrete_mig": 0.020915554214923304},
        "dci": {"disentanglement": 0.005801962038583867, "completeness": 0.004606073313160819,
                "informativeness_train": 1.0, "informativeness_test": 0.45499999999999996},
        "sap": {"sap": 0.03}},
    2: {"beta_vae": {"train_accuracy": 0.44, "eval_accuracy": 0.42},
        "factor_vae": {"train_accuracy": 0.345, "eval_accuracy": 0.345, "num_active_dims": 6},
        "mig": {"discrete_mig": 0.003519623190146688},
        "dci": {"disentanglement": 0.003023566259476347, "completeness": 0.003259423508009479,
                "informativeness_train": 1.0, "informativeness_test": 0.065},
        "sap": {"sap": 0.015000000000000001}},
}


# Each metric draws from its own RandomState(seed), so a subset of the metrics scores as the
# whole. Two balls' DCI (4 factors of 32 values: a minute of boosted trees on 2 busy cores) is
# in the slow suite; their other metrics and every one-ball score are checked by default.
@pytest.mark.parametrize("num_balls, names", [
    (1, METRIC_NAMES),
    (2, tuple(name for name in METRIC_NAMES if name != "dci")),
    pytest.param(2, ("dci",), marks=pytest.mark.slow)],
    ids=["one_ball", "two_balls", "two_balls_dci"])
def test_scores_equal_those_before_the_speed_ups(num_balls, names):
    lines = []
    scores, seconds, table = score(BallPositions(num_balls), posterior, names,
                                   metric_sizes(names, 400), print_fn=lines.append)
    assert scores.keys() == set(names) <= BEFORE[num_balls].keys()
    for name in names:
        before = BEFORE[num_balls][name]
        assert scores[name] == pytest.approx(before, rel=1e-12, abs=1e-15), name
    assert table is not None and table.num_encoded <= 32 ** (2 * num_balls)
    # Every metric says when it starts and prints its scores and seconds when done.
    for name in names:
        assert f"  {name:<10s} ..." in lines
        assert any(line.startswith(f"  {name} ") and line.endswith(" s)") for line in lines)
    if "dci" in names:
        assert any("DCI (sklearn): " in line and f"of {2 * num_balls} factors" in line
                   for line in lines)


@pytest.mark.parametrize("representation", ["mean", "sampled"])
def test_tabulated_scores_equal_encoding_every_draw(representation):
    # The three ways metrics draw codes: pairs of batches, votes and a variance estimate, and
    # sample_codes (which DCI and SAP share with MIG).
    names = ("beta_vae", "factor_vae", "mig")
    data, sizes = BallPositions(1), metric_sizes(names, 200)
    quiet = {"print_fn": lambda line: None, "representation": representation}
    direct = score(data, posterior, names, sizes, tabulated=False, **quiet)[0]
    tabulated, _, table = score(data, posterior, names, sizes, **quiet)
    assert tabulated == direct and table.num_encoded == 1024


@pytest.mark.parametrize("max_dense_bytes", [2**30, 0])  # one array, or a dictionary
def test_table_lookup_equals_direct_encoding(max_dense_bytes):
    data = BallPositions(2)
    calls = []

    def counted(images):
        calls.append(len(images))
        return posterior(images)

    table = CodeTable(data, counted, max_dense_bytes=max_dense_bytes, fill_batch=100)
    factors = data.sample_factors(500, np.random.RandomState(0))
    factors[250:] = factors[:250]  # every combination drawn twice
    mean, logvar = table(data.index(factors))
    expected = posterior(data.sample_observations_from_factors(factors, None))
    np.testing.assert_array_equal(mean, expected[0])
    np.testing.assert_array_equal(logvar, expected[1])
    distinct = len(np.unique(data.index(factors)))
    assert table.num_encoded == sum(calls) == distinct and max(calls) == 100
    table(data.index(factors[:10]))  # already encoded: no call
    assert sum(calls) == distinct and table.dense == bool(max_dense_bytes)


def test_only_deterministic_data_is_tabulated():
    class Noisy(BallPositions):
        deterministic = False

    with pytest.raises(ValueError, match="deterministically"):
        FactorIndices(Noisy(1))
    assert score(Noisy(1), posterior, ["mig"], metric_sizes(["mig"], 200),
                 print_fn=lambda line: None)[2] is None


@pytest.mark.parametrize("num_balls", [1, 2, 3])
def test_balls_from_cached_pieces_equal_rendering_each_frame(num_balls):
    data = BallPositions(num_balls)
    factors = data.sample_factors(300, np.random.RandomState(num_balls))
    factors[0] = 0  # all balls on one spot: the sum clips at 1
    images = data.sample_observations_from_factors(factors, None)
    assert images.dtype == np.float32 and images.shape == (300, 32, 32, 1)
    np.testing.assert_array_equal(images, render(data.positions(factors), 32))


def test_sampled_representation_draws_posterior_noise_per_call():
    images = BallPositions(1).sample_observations(2000, np.random.RandomState(0))
    mean, logvar = posterior(images)
    codes = representation_function(posterior, "sampled", seed=3)(images)
    again = representation_function(posterior, "sampled", seed=3)(images)
    np.testing.assert_array_equal(codes, again)
    standardised = (codes - mean) / np.exp(0.5 * logvar)
    assert abs(standardised.mean()) < 0.02 and abs(standardised.std() - 1) < 0.02
    np.testing.assert_array_equal(representation_function(posterior)(images), mean)


def _codes_and_factors(num, seed):
    rng = np.random.RandomState(seed)
    factors = rng.randint(0, 4, size=(num, 3))
    codes = np.concatenate([factors + rng.normal(0, 0.3, factors.shape),
                            rng.normal(size=(num, 2))], axis=1)
    return codes, factors


def test_parallel_dci_fits_equal_serial_ones():
    train, test = _codes_and_factors(300, 0), _codes_and_factors(150, 1)
    lines = []
    serial = importance_matrix(*train, *test, seed=5, n_jobs=1)
    parallel = importance_matrix(*train, *test, seed=5, n_jobs=2, print_fn=lines.append)
    np.testing.assert_array_equal(serial[0], parallel[0])
    assert serial[1:] == parallel[1:]
    assert lines[-1].startswith("    DCI (sklearn): 3 of 3 factors fitted")


def test_lightgbm_backend_scores_a_disentangled_code_high():
    train, test = _codes_and_factors(1000, 0), _codes_and_factors(500, 1)
    fast = dci(*train, *test, backend="lightgbm", n_jobs=1)
    assert fast["disentanglement"] > 0.7 and fast["completeness"] > 0.7
    assert fast["informativeness_test"] > 0.9
    r = importance_matrix(*train, *test, backend="lightgbm", n_jobs=1)[0]
    np.testing.assert_allclose(r.sum(axis=0), 1.0)
    assert (np.argmax(r[:3], axis=0) == np.arange(3)).all()
    with pytest.raises(ValueError, match="unknown DCI backend"):
        dci(*train, *test, backend="xgboost", n_jobs=1)


def _workers(pid):
    """``{pid: CPU seconds}`` of the live loky worker processes whose parent is ``pid``."""
    workers = {}
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z" and b"LokyProcess" in command:
            workers[int(entry)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return workers


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's parent-death signal")
def test_dci_workers_exit_when_the_evaluation_is_killed():
    script = ("import numpy as np; from vae_tf.metrics.dci import importance_matrix; "
              "r = np.random.RandomState(0); z = r.normal(size=(20000, 8)); "
              "f = r.randint(0, 30, size=(20000, 2)); print('fitting', flush=True); "
              "importance_matrix(z, f, z, f, n_jobs=2)")
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout.readline() == "fitting\n"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # until both have started fitting
            workers = _workers(process.pid)
            if len(workers) == 2 and min(workers.values()) > 4.0:
                break
            time.sleep(0.2)
        assert len(workers) == 2 and min(workers.values()) > 4.0, "the workers did not fit"
    finally:
        process.kill()
        process.wait()
    deadline = time.monotonic() + 10
    while any(os.path.exists(f"/proc/{pid}") for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in workers if os.path.exists(f"/proc/{pid}")]
