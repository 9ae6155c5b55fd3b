"""Training: run directories, Keras callbacks and the training entry point.

``vae_tf.training.run_dir`` imports no TensorFlow; import ``vae_tf.training.train`` for
:func:`~vae_tf.training.train.train`.
"""
