"""Keras callbacks of a training run: checkpoints with a NaN guard, and monitoring."""

import math
import time

import keras
import numpy as np
import tensorflow as tf

from vae_tf.figures import traversals
from vae_tf.training import checkpoints


def _step(model):
    return int(model.optimizer.iterations.numpy())


class CheckpointGuard(keras.callbacks.Callback):
    """Saves a checkpoint every ``save_every`` steps and at the end, and stops at ``max_step``.

    A non-finite loss (or weights) stops training at once and nothing more is saved, so the
    last checkpoint on disk stays the last good one; ``bad_step`` then holds the step. With
    several steps per compiled call (``steps_per_execution``) the callback sees the model at the
    end of each call only: every step at which it saves or stops must end a call (see
    :func:`vae_tf.training.train.steps_per_execution`), and a loss that turns NaN inside a call
    is caught at the call's end (``logs["loss"]`` is the running mean since the last log, which
    stays NaN), so ``bad_step`` is then the call's last step. A save
    that fails raises :class:`~vae_tf.training.run_dir.RunWriteError` (see
    :func:`vae_tf.training.checkpoints.save`).
    """

    def __init__(self, manager, save_every, max_step):
        super().__init__()
        self.manager = manager
        self.save_every = save_every
        self.max_step = max_step
        self.bad_step = None
        self.saved_step = None

    def on_train_begin(self, logs=None):
        self.saved_step = _step(self.model)

    def on_train_batch_end(self, batch, logs=None):
        step = _step(self.model)
        if not math.isfinite(float(logs["loss"])):
            self.bad_step = step
            self.model.stop_training = True
            return
        if step % self.save_every == 0:
            self.save()
        if step >= self.max_step:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.bad_step is None:
            self.save()

    def save(self):
        """Checkpoint the current step unless it is saved already or the weights are not finite."""
        step = _step(self.model)
        if step == self.saved_step or self.bad_step is not None:
            return
        if not all(np.isfinite(w).all() for w in self.model.get_weights()):
            self.bad_step = step
            self.model.stop_training = True
            return
        checkpoints.save(self.manager, step)
        self.saved_step = step


def image_grid(images, columns, gap=0, fill=0.0):
    """Tile ``[N, H, W, C]`` images row by row into one ``[1, rows*H, columns*W, C]`` image,
    plus ``gap`` pixels of ``fill`` between neighbouring cells (none around the grid)."""
    images = np.asarray(images)
    n, h, w, c = images.shape
    rows = -(-n // columns)
    grid = np.zeros((rows * (h + gap) - gap, columns * (w + gap) - gap, c), images.dtype)
    grid[...] = fill
    for k in range(rows * columns):
        top, left = (k // columns) * (h + gap), (k % columns) * (w + gap)
        grid[top:top + h, left:left + w] = images[k] if k < n else 0
    return grid[None]


def _scalar_name(key):
    """TensorBoard tag of a Keras log key: ``val_kl_03`` -> ``eval/kl_per_latent/03``."""
    section = "train"
    if key.startswith("val_"):
        section, key = "eval", key[4:]
    if key.startswith("kl_") and key[3:].isdigit():
        return f"{section}/kl_per_latent/{key[3:]}"
    return f"{section}/{key}"


class Monitor(keras.callbacks.Callback):
    """Every epoch (``log_every`` steps): a console line and TensorBoard scalars; images at the
    first epoch, at the first epoch at or past each multiple of ``image_every`` steps and at
    ``max_step`` (drawing and encoding them cost about as much as 10 small-model steps, so every
    epoch would slow training by 5-10 %; the original wrote them every 2000 steps).

    Scalars: every logged metric (``train/...``, ``eval/...``, per-latent KL under
    ``.../kl_per_latent/``) and ``train/images_per_sec``; :meth:`log_held_out` adds the held-out
    evaluation that ends training (and closes the writer). Images: ``reconstructions`` (the
    fixed ``images`` over their reconstructions from the posterior mean), ``prior_samples``
    (decoded fixed ``prior_z``) and ``traversals`` (the latent traversal grid of the figures:
    one row per latent, by decreasing KL over ``images``, sweeping that latent of the first
    image's posterior mean over ``traversals.VALUES``).
    """

    HEADLINE = ("loss", "reconstruction", "kl")

    def __init__(self, log_dir, batch_size, max_step, images, prior_z, print_fn=print,
                 image_every=1):
        super().__init__()
        self.image_every = image_every
        self._images_step = None  # the last step with images
        self.writer = tf.summary.create_file_writer(log_dir)
        self.batch_size = batch_size
        self.max_step = max_step
        self.images = images
        self.prior_z = prior_z
        self.print_fn = print_fn
        self._last = None
        self._eval_step = None  # the last step with eval/... scalars

    def on_train_begin(self, logs=None):
        self._last = (time.perf_counter(), _step(self.model))

    def _decode(self, z):
        return tf.sigmoid(self.model.decode(z)).numpy()

    def _pictures(self):
        mean, logvar = (t.numpy() for t in self.model.encode(self.images))
        recon = self._decode(mean)
        samples = self._decode(self.prior_z)
        n = len(self.images)
        pairs = image_grid(np.concatenate([self.images, recon]), n)
        sweep = traversals.traverse(self._decode, mean[0], traversals.kl_order(mean, logvar),
                                    traversals.VALUES)
        grid = image_grid(sweep.reshape((-1,) + sweep.shape[2:]), len(traversals.VALUES))
        return pairs, image_grid(samples, n), grid

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        now, step = time.perf_counter(), _step(self.model)
        elapsed = now - self._last[0]
        rate = (step - self._last[1]) * self.batch_size / max(elapsed, 1e-9)
        self._last = (now, step)
        self._scalars(step, logs)
        with self.writer.as_default(step=step):
            tf.summary.scalar("train/images_per_sec", rate)
            if self._images_due(step):
                pairs, samples, traversal = self._pictures()
                tf.summary.image("reconstructions", pairs)
                tf.summary.image("prior_samples", samples)
                tf.summary.image("traversals", traversal)
                self._images_step = step
        self.writer.flush()
        self.print_fn(self._line(step, logs, rate))

    def _images_due(self, step):
        if self._images_step is None or step >= self.max_step:
            return True
        return step // self.image_every > self._images_step // self.image_every

    def _line(self, step, logs, rate):
        extras = [k for k in logs if k not in self.HEADLINE and not k.startswith(("kl_", "val_"))]
        parts = [f"step {step:>{len(str(self.max_step))}d}/{self.max_step}"]
        parts += [f"{k} {float(logs[k]):.3f}" for k in (*self.HEADLINE, *extras) if k in logs]
        if "val_reconstruction" in logs:
            parts.append(f"eval recon {float(logs['val_reconstruction']):.3f} "
                         f"kl {float(logs['val_kl']):.3f}")
        eta = (self.max_step - step) * self.batch_size / max(rate, 1e-9)
        parts.append(f"{rate:.0f} img/s  eta {_duration(eta)}")
        return "  ".join(parts)

    def _scalars(self, step, logs):
        with self.writer.as_default(step=step):
            for key, value in logs.items():
                tf.summary.scalar(_scalar_name(key), float(value))
        if any(key.startswith("val_") for key in logs):
            self._eval_step = step

    def on_train_end(self, logs=None):
        self.writer.flush()

    def log_held_out(self, result):
        """The held-out ``result`` (with its ``step``) as ``eval/...`` scalars, unless the
        validation of ``fit`` logged that step already (the same numbers); closes the writer."""
        if result["step"] != self._eval_step:
            self._scalars(result["step"], {f"val_{key}": value for key, value in result.items()
                                           if key != "step"})
        self.writer.close()


def _duration(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{seconds:02d}s"
