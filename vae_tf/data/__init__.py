"""Data: the bouncing-balls generator (``balls``) and tf.data pipelines (``pipeline``)."""
