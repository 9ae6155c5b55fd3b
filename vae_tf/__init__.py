"""vae_tf: disentangled variational autoencoders in TensorFlow 2 / Keras 3.

Subpackages: ``data`` (bouncing balls and input pipelines), ``models`` (architectures, the
reparameterisation layer, the VAE ``keras.Model``), ``objectives`` (loss terms and
regularisers), ``metrics`` (disentanglement metrics), ``training`` (run directories, callbacks,
the training loop, evaluation). ``config`` holds the settings of a run.
"""

__version__ = "0.1.0"
