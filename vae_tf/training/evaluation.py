"""Score a trained VAE with the disentanglement metrics of :mod:`vae_tf.metrics`.

The representation is the encoder mean, as in disentanglement_lib, or one posterior sample per
observation (``--representation=sampled``). Every metric draws its points from its own
``numpy.random.RandomState(seed)`` (seed 0 by default, as the reference) and its posterior noise
from its own ``numpy.random.default_rng(seed)``, so a score does not depend on which other
metrics ran. On data whose observations are a deterministic function of the factors, each
distinct observation is encoded once per evaluation (:mod:`vae_tf.metrics.code_table`). Results
go to ``eval.json`` in the run directory, with what is needed to compare them across machines
(sizes, seeds, the DCI estimator, library versions, seconds), and to TensorBoard as
``metrics/<metric>/<score>`` at the checkpoint's step.
"""

import importlib.metadata
import json
import os
import time

import keras
import numpy as np
import tensorflow as tf

import vae_tf
from vae_tf import metrics
from vae_tf.config import ConfigError
from vae_tf.data.sources import ground_truth_data, training_data
from vae_tf.metrics.code_table import tabulate
from vae_tf.metrics.codes import sampled_codes
from vae_tf.metrics.dci import DCI_BACKENDS, default_jobs
from vae_tf.training.build import build_vae, load_networks
from vae_tf.training.checkpoints import restore_newest
from vae_tf.training.held_out import held_out_loss
from vae_tf.training.run_dir import checkpoint_step, write_atomically

EVAL_FILE = "eval.json"
# Libraries whose versions can move a score, recorded in eval.json.
LIBRARIES = ("tensorflow", "keras", "numpy", "scikit-learn", "lightgbm")


def posterior_function(vae):
    """``images [B, ...] -> (mean, logvar)``, each ``[B, d]`` float32 numpy; compiled once."""
    encode = tf.function(lambda x: vae.encode(x, training=False), reduce_retracing=True)
    return lambda images: tuple(t.numpy() for t in
                                encode(tf.convert_to_tensor(images, tf.float32)))


def representation_function(posterior, representation="mean", seed=0):
    """``observations -> codes [B, d]``: the posterior mean, or (``sampled``) ``mean + σ ε`` with
    ``ε`` from ``numpy.random.default_rng(seed)``, drawn call by call."""
    if representation == "mean":
        return lambda observations: posterior(observations)[0]
    rng = np.random.default_rng(seed)

    return lambda observations: sampled_codes(*posterior(observations), rng)


def metric_sizes(names, metric_points=0):
    """Each metric's sample sizes: the standard ones, or all scaled to ``metric_points``."""
    return {name: metrics.sizes(name, metric_points) for name in names}


def library_versions():
    """``{library: version}`` of vae_tf and :data:`LIBRARIES` (None if not installed)."""
    versions = {"vae_tf": vae_tf.__version__}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    if versions["tensorflow"] is None:  # the CPU build's distribution name
        versions["tensorflow"] = tf.__version__
    return versions


def _format(scores):
    return "  ".join(f"{k} {v}" if isinstance(v, int) else f"{k} {v:.4f}"
                     for k, v in scores.items())


def score(ground_truth_data, posterior, names, sizes, seed=0, representation="mean",
          dci_backend="sklearn", tabulated=True, print_fn=print):
    """``(scores, seconds, table)``: per metric the dict of its scores and the seconds it took,
    and the :class:`~vae_tf.metrics.code_table.CodeTable` the metrics read (None when the data
    cannot be tabulated or ``tabulated`` is False).

    ``posterior(images) -> (mean, logvar)``; ``representation`` as
    :func:`representation_function`. Each metric prints a line when it starts and one with its
    scores and seconds; long work prints progress at least every 10 s.
    """
    table = None
    if tabulated and getattr(ground_truth_data, "deterministic", False):
        ground_truth_data, table = tabulate(ground_truth_data, posterior, print_fn)
        posterior = table
    scores, seconds = {}, {}
    for name in names:
        print_fn(f"  {name:<10s} ...")
        options = {"backend": dci_backend, "print_fn": print_fn} if name == "dci" else {}
        start = time.perf_counter()
        result = metrics.METRICS[name](ground_truth_data,
                                       representation_function(posterior, representation, seed),
                                       np.random.RandomState(seed), **sizes[name], **options)
        seconds[name] = time.perf_counter() - start
        scores[name] = {key: value if isinstance(value, int) else float(value)
                        for key, value in result.items()}
        print_fn(f"  {name:<10s} {_format(scores[name])}  ({seconds[name]:.1f} s)")
    return scores, seconds, table


def no_factors_message(dataset):
    return (f"--dataset={dataset} has no ground-truth factors: the disentanglement metrics "
            "(they need balls, dsprites or dsprites_rendered) are skipped")


def score_model(vae, ground_truth_data, names, metric_points=0, seed=0, representation="mean",
                dci_backend="sklearn", print_fn=print):
    """The metrics part of an ``eval.json`` record for ``vae`` on ``ground_truth_data``."""
    sizes = metric_sizes(names, metric_points)
    scores, seconds, table = score(ground_truth_data, posterior_function(vae), names, sizes,
                                   seed, representation, dci_backend, print_fn=print_fn)
    record = {"representation": representation, "seed": seed,
              "metric_points": metric_points or None, "sizes": sizes, "scores": scores,
              "seconds": seconds, "versions": library_versions(),
              "code_table": table and {"distinct_observations": table.num_encoded,
                                       "encode_seconds": table.seconds}}
    if "dci" in names:
        record["dci"] = {"backend": dci_backend,
                         "hyperparameters": DCI_BACKENDS[dci_backend],
                         "processes": default_jobs(ground_truth_data.num_factors)}
    return record


def write_record(run_dir, record):
    """``record`` to ``run_dir/eval.json``, its scores to TensorBoard at ``record["step"]``."""
    write_atomically(os.path.join(run_dir, EVAL_FILE),
                     json.dumps(record, indent=2, sort_keys=True) + "\n")
    writer = tf.summary.create_file_writer(run_dir)
    with writer.as_default(step=record["step"]):
        for name, values in record.get("scores", {}).items():
            for key, value in values.items():
                tf.summary.scalar(f"metrics/{name}/{key}", value)
    writer.close()


def evaluate_run(config, print_fn=print):
    """``--mode=eval``: score the latest checkpoint of ``config``'s run directory.

    Reports the held-out loss terms (per image) and, on data with ground-truth factors, the
    metrics ``config.metric_names``; writes ``eval.json``; returns the record. The newest
    checkpoint that reads is scored (an unreadable one is named and skipped). Raises
    ConfigError (naming ``--train_dir``) when the run directory holds no checkpoint.
    """
    run_dir = config.run_dir
    vae = build_vae(config, precision="off")
    checkpoint = restore_newest(lambda prefix: load_networks(vae, prefix), run_dir, print_fn,
                                set_aside=False)
    if not checkpoint:
        raise ConfigError("train_dir", f"{run_dir} holds no checkpoint; train the run first "
                                       "(the same flags without --mode=eval)")
    step = checkpoint_step(checkpoint)
    ground_truth = ground_truth_data(config, print_fn)
    _, held_out = training_data(config, seed=[config.seed, 0], print_fn=print_fn,
                                ground_truth=ground_truth)
    record = {"step": step, "checkpoint": checkpoint,
              "held_out": held_out_loss(vae, held_out, config.batch_size, config.seed)}
    precision = ("" if config.mixed_precision == "off" else
                 f" (float32; training's end evaluated in {config.mixed_precision})")
    print_fn(f"step {step} of {run_dir}: held-out reconstruction "
             f"{record['held_out']['reconstruction']:.2f}, KL {record['held_out']['kl']:.2f} "
             f"per image{precision}")
    if ground_truth is None:
        print_fn(no_factors_message(config.dataset))
    else:
        sizes = f"{config.metric_points} points" if config.metric_points else "standard sizes"
        print_fn(f"metrics ({sizes}, representation: posterior {config.representation}, "
                 f"DCI: {config.dci_backend}):")
        record.update(score_model(vae, ground_truth, config.metric_names, config.metric_points,
                                  representation=config.representation,
                                  dci_backend=config.dci_backend, print_fn=print_fn))
    write_record(run_dir, record)
    print_fn(f"wrote {os.path.join(run_dir, EVAL_FILE)}")
    return record


class PeriodicEvaluation(keras.callbacks.Callback):
    """Scores the model every ``config.eval_every`` steps during ``fit`` (``--eval_every``), as
    ``--mode=eval`` would with ``config``'s evaluation settings."""

    def __init__(self, ground_truth_data, run_dir, config, print_fn=print):
        super().__init__()
        self.ground_truth_data = ground_truth_data
        self.run_dir = run_dir
        self.config = config
        self.print_fn = print_fn

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.optimizer.iterations.numpy())
        if step % self.config.eval_every:
            return
        self.print_fn(f"metrics at step {step}:")
        config = self.config
        record = {"step": step, **score_model(self.model, self.ground_truth_data,
                                              config.metric_names, config.metric_points,
                                              representation=config.representation,
                                              dci_backend=config.dci_backend,
                                              print_fn=self.print_fn)}
        write_record(self.run_dir, record)
