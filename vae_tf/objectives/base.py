"""The objective interface: what an objective adds to the reconstruction term.

The VAE owns encoding, sampling, decoding, the reconstruction term and the Gaussian KL; an
objective supplies only the regulariser (the pattern of disentanglement_lib), so every
objective works with every architecture and dataset.
"""


class Objective:
    """Base class. Subclasses set ``name`` and ``metric_names`` and implement ``__call__``."""

    name = ""
    # Extra scalars an objective reports (each becomes a metric tracker and a TensorBoard curve).
    metric_names = ()

    def __call__(self, kl, mean, logvar, z, step):
        """Return ``(regulariser, extras)``.

        kl: batch-mean of the per-example KL summed over latents (scalar, nats).
        mean, logvar, z: ``[B, d]`` posterior parameters and sample.
        step: the optimizer's iteration count before this update (a scalar tensor).
        extras: a dict holding a scalar for every name in ``metric_names``.
        """
        raise NotImplementedError
