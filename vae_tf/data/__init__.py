"""Data: the bouncing-balls generator (``balls``), the dSprites re-renderer
(``dsprites_rendered``), TFDS data sets read from files the user places (``tfds_sources``,
``dsprites``), the ground-truth-factor interface (``ground_truth``, ``ball_positions``),
tf.data pipelines (``pipeline``) and the per-run entry point (``sources``)."""
