"""The variational autoencoder as a subclassed ``keras.Model`` with its own train and test step."""

import keras
import tensorflow as tf

from vae_tf.models.replicas import mean_over_replicas, minimize, step_logs
from vae_tf.models.sampling import Sampling
from vae_tf.objectives.terms import gaussian_kl, reconstruction_loss


class MeanVector(keras.metrics.Metric):
    """Running mean of a vector (``[size]``) over the steps since the last reset: what
    ``size`` ``keras.metrics.Mean`` trackers of its entries report, with two state variables
    and three ops per step instead of ``size`` times as many (fewer small ops in the train
    step; see the README's Speed section for what that is worth)."""

    def __init__(self, size, name="mean_vector"):
        super().__init__(name=name)
        self.total = self.add_variable(shape=(size,), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, values):
        self.total.assign_add(tf.cast(values, self.total.dtype))
        self.count.assign_add(1.0)

    def result(self):
        return tf.math.divide_no_nan(self.total, self.count)


class VAE(keras.Model):
    """Encoder -> reparameterised sample -> decoder, trained on ``reconstruction + regulariser``.

    The loss of a batch is the batch mean of per-example sums: the reconstruction term summed
    over pixels (``recon_loss``: ``ce``, ``mse`` or ``ad``, see
    :func:`vae_tf.objectives.terms.reconstruction_loss`) plus the objective's regulariser (of
    the per-latent KL and the posterior), plus any weight penalty of the layers. After the
    update the objective may train its own parts (``objective.update``). ``fit`` reports the loss, the
    reconstruction and KL terms (nats per image for ``ce``), the objective's own scalars and the
    KL of every latent (``kl_00``, ``kl_01``, ...).

    Under a ``tf.distribute`` strategy the step computes the global batch's loss
    (:mod:`vae_tf.models.replicas`): the per-latent KL the objective sees is the global batch
    mean. Under a mixed-precision policy the networks compute in float16/bfloat16 while their
    outputs, the noise, the loss terms and the weights stay float32.
    """

    def __init__(self, encoder, decoder, objective, recon_loss="ce", seed=None,
                 deterministic=False, **kwargs):
        super().__init__(**kwargs)
        self.deterministic = deterministic  # a plain autoencoder: z is the posterior mean
        self.encoder = encoder
        self.decoder = decoder
        self.objective = objective
        self.recon_loss = recon_loss
        self.sampling = Sampling(seed)
        if deterministic:
            self.sampling.built = True  # never called, but its noise state stays checkpointed
        self.latent_dim = int(decoder.input_shape[-1])
        objective.build(self)
        mean = keras.metrics.Mean
        self.loss_tracker = mean("loss")
        self.recon_tracker = mean("reconstruction")
        self.kl_tracker = mean("kl")
        self.extra_trackers = {name: mean(name) for name in objective.metric_names}
        self.kl_latent_tracker = MeanVector(self.latent_dim, "kl_per_latent")

    @property
    def metrics(self):
        return [self.loss_tracker, self.recon_tracker, self.kl_tracker,
                *self.extra_trackers.values(), self.kl_latent_tracker]

    def encode(self, x, training=False):
        """Posterior parameters ``(mean, logvar)``, each ``[B, d]``, in float32."""
        return tuple(tf.cast(t, tf.float32) for t in self.encoder(x, training=training))

    def decode(self, z, training=False):
        """Bernoulli logits ``[B, H, W, C]`` in float32."""
        return tf.cast(self.decoder(z, training=training), tf.float32)

    def call(self, x, training=False):
        mean, logvar = self.encode(x, training=training)
        z = mean if self.deterministic else self.sampling(mean, logvar)
        return self.decode(z, training=training), mean, logvar, z

    def _loss_terms(self, x, training):
        logits, mean, logvar, z = self(x, training=training)
        recon = tf.reduce_mean(reconstruction_loss(x, logits, self.recon_loss))
        kl_latent = mean_over_replicas(tf.reduce_mean(gaussian_kl(mean, logvar), axis=0))
        kl = tf.reduce_sum(kl_latent)
        regulariser, extras = self.objective(kl_latent, mean, logvar, z,
                                             self.optimizer.iterations)
        loss = recon + regulariser
        if self.losses:
            loss += tf.add_n(self.losses)
        return loss, (recon, kl, kl_latent, extras), z

    def _record(self, loss, recon, kl, kl_latent, extras):
        self.loss_tracker.update_state(loss)
        self.recon_tracker.update_state(recon)
        self.kl_tracker.update_state(kl)
        for name, tracker in self.extra_trackers.items():
            tracker.update_state(extras[name])
        self.kl_latent_tracker.update_state(kl_latent)
        logs = {m.name: m.result() for m in self.metrics if m is not self.kl_latent_tracker}
        per_latent = tf.unstack(self.kl_latent_tracker.result(), num=self.latent_dim)
        logs.update({f"kl_{j:02d}": value for j, value in enumerate(per_latent)})
        return step_logs(logs)

    def train_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        step = tf.identity(self.optimizer.iterations)
        loss, terms, z = minimize(self.optimizer, lambda: self._loss_terms(x, training=True),
                                  self.trainable_weights)
        self.objective.update(self, x, tf.stop_gradient(z), step)
        return self._record(loss, *terms)

    def test_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        loss, terms, _ = self._loss_terms(x, training=False)
        return self._record(loss, *terms)
