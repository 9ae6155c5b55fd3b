"""Score a trained VAE with the disentanglement metrics of :mod:`vae_tf.metrics`.

The representation is the encoder mean, as in disentanglement_lib. Every metric draws its
points from its own ``numpy.random.RandomState(seed)`` (seed 0 by default, as the reference),
so a score does not depend on which other metrics ran. Results go to ``eval.json`` in the run
directory and to TensorBoard as ``metrics/<metric>/<score>`` at the checkpoint's step.
"""

import json
import os
import time

import keras
import numpy as np
import tensorflow as tf

from vae_tf import metrics
from vae_tf.config import ConfigError
from vae_tf.data.sources import ground_truth_data, training_data
from vae_tf.training.build import build_vae, load_networks
from vae_tf.training.run_dir import write_atomically

EVAL_FILE = "eval.json"
REPRESENTATION = "encoder mean"


def representation_function(vae):
    """``images [B, ...] -> codes [B, d]`` (numpy): the posterior mean, compiled once."""
    encode = tf.function(lambda x: vae.encode(x, training=False)[0], reduce_retracing=True)
    return lambda images: encode(tf.convert_to_tensor(images, tf.float32)).numpy()


def metric_sizes(names, metric_points=0):
    """Each metric's sample sizes: the standard ones, or all scaled to ``metric_points``."""
    return {name: metrics.sizes(name, metric_points) for name in names}


def score(ground_truth_data, representation, names, sizes, seed=0, print_fn=print):
    """``(scores, seconds)``: per metric the dict of its scores and the seconds it took."""
    scores, seconds = {}, {}
    for name in names:
        start = time.perf_counter()
        result = metrics.METRICS[name](ground_truth_data, representation,
                                       np.random.RandomState(seed), **sizes[name])
        seconds[name] = time.perf_counter() - start
        scores[name] = {key: value if isinstance(value, int) else float(value)
                        for key, value in result.items()}
        print_fn(f"  {name:<10s} " + "  ".join(f"{k} {v}" if isinstance(v, int) else
                                               f"{k} {v:.4f}" for k, v in scores[name].items())
                 + f"  ({seconds[name]:.1f} s)")
    return scores, seconds


def no_factors_message(dataset):
    return (f"--dataset={dataset} has no ground-truth factors: the disentanglement metrics "
            "(they need balls, dsprites or dsprites_rendered) are skipped")


def score_model(vae, ground_truth_data, names, metric_points=0, seed=0, print_fn=print):
    """The metrics part of an ``eval.json`` record for ``vae`` on ``ground_truth_data``."""
    sizes = metric_sizes(names, metric_points)
    scores, seconds = score(ground_truth_data, representation_function(vae), names, sizes,
                            seed, print_fn)
    return {"representation": REPRESENTATION, "seed": seed,
            "metric_points": metric_points or None, "sizes": sizes, "scores": scores,
            "seconds": seconds}


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
    metrics ``config.metric_names``; writes ``eval.json``; returns the record. Raises
    ConfigError (naming ``--train_dir``) when the run directory holds no checkpoint.
    """
    run_dir = config.run_dir
    checkpoint = tf.train.latest_checkpoint(run_dir)
    if not checkpoint:
        raise ConfigError("train_dir", f"{run_dir} holds no checkpoint; train the run first "
                                       "(the same flags without --mode=eval)")
    vae = build_vae(config, precision="off")
    step = load_networks(vae, checkpoint)
    ground_truth = ground_truth_data(config, print_fn)
    _, held_out = training_data(config, seed=[config.seed, 0, step], print_fn=print_fn,
                                ground_truth=ground_truth)
    held_out = vae.evaluate(tf.data.Dataset.from_tensor_slices(held_out)
                            .batch(config.batch_size), verbose=0, return_dict=True)
    record = {"step": step, "checkpoint": checkpoint,
              "held_out": {key: float(value) for key, value in held_out.items()}}
    print_fn(f"step {step} of {run_dir}: held-out reconstruction "
             f"{record['held_out']['reconstruction']:.2f}, KL {record['held_out']['kl']:.2f} "
             "per image")
    if ground_truth is None:
        print_fn(no_factors_message(config.dataset))
    else:
        sizes = f"{config.metric_points} points" if config.metric_points else "standard sizes"
        print_fn(f"metrics ({sizes}, representation: {REPRESENTATION}):")
        record.update(score_model(vae, ground_truth, config.metric_names, config.metric_points,
                                  print_fn=print_fn))
    write_record(run_dir, record)
    print_fn(f"wrote {os.path.join(run_dir, EVAL_FILE)}")
    return record


class PeriodicEvaluation(keras.callbacks.Callback):
    """Scores the model every ``every`` steps during ``fit`` (``--eval_every``)."""

    def __init__(self, ground_truth_data, run_dir, every, names, metric_points, seed=0,
                 print_fn=print):
        super().__init__()
        self.ground_truth_data = ground_truth_data
        self.run_dir = run_dir
        self.every = every
        self.names = names
        self.metric_points = metric_points
        self.seed = seed
        self.print_fn = print_fn

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.optimizer.iterations.numpy())
        if step % self.every:
            return
        self.print_fn(f"metrics at step {step}:")
        record = {"step": step, **score_model(self.model, self.ground_truth_data, self.names,
                                              self.metric_points, self.seed, self.print_fn)}
        write_record(self.run_dir, record)
