"""The runs under a checkpoint folder: find them, name them, restore their models.

A run is a folder holding ``config.json`` and a checkpoint (the ``checkpoint`` state file that
``tf.train.CheckpointManager`` writes, naming ``ckpt-<step>`` files that exist). Finding runs
needs neither TensorFlow nor the checkpoints' contents, so a wrong folder fails at once; only
:func:`restore` imports TensorFlow.
"""

import dataclasses
import os

import numpy as np

from vae_tf.config import ConfigError, TrainConfig
from vae_tf.training.run_dir import CONFIG_FILE, checkpoint_prefixes, configs_under

# Images per encoder / decoder call.
BATCH = 1024


@dataclasses.dataclass(frozen=True)
class Run:
    """A run directory: ``path``, its ``config``, its ``name`` for figure files, and the
    prefixes of its kept checkpoints (oldest first, the latest last)."""

    path: str
    config: TrainConfig
    name: str
    checkpoints: tuple

    @property
    def latest_checkpoint(self):
        return self.checkpoints[-1]


def short_name(config):
    """The run directory's name after the ``--train_dir`` prefix, as the original names its
    figures: ``model_conv_num_balls_1_beta_0.1`` (other data sets:
    ``dataset_<name>_model_<m>_beta_<b>``; other objectives add ``_objective_<o>``)."""
    return config.run_dir[len(config.train_dir):].lstrip("_/")


def find_runs(checkpoint_dir, print_fn=print):
    """The runs under ``checkpoint_dir`` (at any depth), in sorted path order.

    A folder with ``config.json`` but no checkpoint, or with a config this version cannot read,
    is left out with one line saying so. Raises ConfigError naming ``--checkpoint_dir`` when the
    folder does not exist or holds no run.
    """
    if not os.path.isdir(checkpoint_dir):
        raise ConfigError("checkpoint_dir", f"{checkpoint_dir} is not a directory")
    found = []
    for folder, config in configs_under(checkpoint_dir, print_fn):
        prefixes = checkpoint_prefixes(folder)
        if not prefixes:
            print_fn(f"skipped {folder}: no checkpoint (train it first)")
            continue
        found.append((folder, config, prefixes))
    if not found:
        raise ConfigError("checkpoint_dir", f"{checkpoint_dir} holds no run (a folder with "
                          f"{CONFIG_FILE} and a checkpoint); train one with main.py first")
    names = [short_name(config) for _, config, _ in found]
    runs = []
    for (folder, config, prefixes), name in zip(found, names):
        if names.count(name) > 1 or not name:
            # Two runs of the same settings under different --train_dir prefixes.
            name = os.path.relpath(folder, checkpoint_dir).replace(os.sep, "_")
        runs.append(Run(folder, config, name, prefixes))
    return runs


def restore(run, checkpoint=None, print_fn=None):
    """The float32 VAE of ``run`` with the weights of ``checkpoint`` (see :func:`load`)."""
    from vae_tf.training.build import build_vae

    vae = build_vae(run.config, precision="off")
    load(vae, run, checkpoint, print_fn)
    return vae


def load(vae, run, checkpoint=None, print_fn=None):
    """Put the encoder and decoder of ``checkpoint`` (a prefix) of ``run`` into ``vae``;
    returns the checkpoint's step. Default: the newest checkpoint that reads, as training and
    scoring restore (an unreadable newer one gets a line through ``print_fn`` and is left in
    place); :class:`~vae_tf.training.checkpoints.CheckpointError` when none reads."""
    from vae_tf.training.build import load_networks
    from vae_tf.training.checkpoints import restore_newest
    from vae_tf.training.run_dir import checkpoint_step

    if checkpoint:
        return load_networks(vae, checkpoint)
    return checkpoint_step(restore_newest(lambda prefix: load_networks(vae, prefix), run.path,
                                          print_fn or (lambda line: None), set_aside=False))


def encode(vae, images):
    """Posterior ``(mean, logvar)`` of ``images`` as float32 numpy arrays ``[N, d]``."""
    parts = [vae.encode(np.asarray(images[i:i + BATCH], np.float32), training=False)
             for i in range(0, len(images), BATCH)]
    return (np.concatenate([np.asarray(p[0]) for p in parts]),
            np.concatenate([np.asarray(p[1]) for p in parts]))


def decode(vae, codes):
    """Decoded images ``[N, H, W, C]`` of ``codes``: Bernoulli means, the logits' sigmoid."""
    return np.exp(-np.logaddexp(0.0, -decode_logits(vae, codes)))  # stable sigmoid


def decode_logits(vae, codes):
    """Decoder logits of ``codes`` as a float32 numpy array ``[N, H, W, C]``."""
    return np.concatenate([np.asarray(vae.decode(np.asarray(codes[i:i + BATCH], np.float32),
                                                 training=False))
                           for i in range(0, len(codes), BATCH)])


def sample(mean, logvar, rng):
    """``mean + σ ε`` with ``ε`` from the numpy generator ``rng`` (repeatable, unlike the
    model's own sampling layer, whose noise stream advances with every call)."""
    eps = rng.standard_normal(np.shape(mean)).astype(np.float32)
    return (mean + np.exp(0.5 * logvar) * eps).astype(np.float32)
