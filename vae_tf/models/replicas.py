"""The pieces of a train step that see the whole global batch under ``tf.distribute``.

Under a strategy with several replicas, every replica runs the train step on its own slice of the
global batch, and the optimizer sums the replicas' gradients. These helpers make a step compute
what one device would compute on the whole batch: the loss is divided among the replicas, batch
statistics are averaged over them, and random draws are made for the global batch and sliced, so
each replica gets different noise and the run does not depend on the number of replicas. With one
replica (no strategy, or ``OneDeviceStrategy``) every helper is the identity and adds no op.

Every replica must hold the same number of examples (``train`` checks the batch size).
"""

import tensorflow as tf


def _replica_context():
    """The replica context when several replicas share the step, else None."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return None
    return context


def replica_count():
    """Replicas sharing the current step (1 outside a strategy)."""
    context = tf.distribute.get_replica_context()
    return 1 if context is None else context.num_replicas_in_sync


def mean_over_replicas(value):
    """Mean of ``value`` over the replicas: a batch mean of the replica's slice becomes the mean of
    the global batch. Differentiable: every replica's gradient reaches its own inputs."""
    context = _replica_context()
    return value if context is None else context.all_reduce(tf.distribute.ReduceOp.MEAN, value)


def batch_offset(local_size):
    """``(global_size, offset)``: the global batch size and the first global row of this replica's
    slice (Keras splits a global batch into consecutive slices in replica order)."""
    context = _replica_context()
    if context is None:
        return local_size, 0
    sizes = context.all_gather(tf.reshape(local_size, [1]), axis=0)
    return tf.reduce_sum(sizes), tf.reduce_sum(sizes[:context.replica_id_in_sync_group])


def gather_over_replicas(value):
    """``(global_value, offset)``: the rows ``[B, ...]`` of every replica concatenated in replica
    order, and where this replica's rows start. Differentiable."""
    context = _replica_context()
    if context is None:
        return value, 0
    everything = context.all_gather(value, axis=0)
    return everything, context.replica_id_in_sync_group * tf.shape(value)[0]


def minimize(optimizer, loss_fn, variables, unconnected_zero=False):
    """One optimizer step on the scalar ``loss_fn()`` returns (the first element, if it returns
    a tuple); returns what ``loss_fn`` returned. A variable the loss does not reach gets no
    update, or with ``unconnected_zero`` a zero gradient (Adam then moves it on its momentum).

    The gradient is taken of ``loss / replicas``, so the optimizer's sum over replicas is the
    gradient of the global-batch mean, and of ``optimizer.scale_loss`` of that, the loss scale a
    ``LossScaleOptimizer`` (mixed_float16) applies and removes again in ``apply_gradients``.
    """
    with tf.GradientTape() as tape:
        result = loss_fn()
        loss = result[0] if isinstance(result, tuple) else result
        scaled = optimizer.scale_loss(loss / replica_count())
    gradients = tape.gradient(scaled, variables)
    if unconnected_zero:
        gradients = [tf.zeros(v.shape, v.dtype) if g is None else g
                     for g, v in zip(gradients, variables)]
    optimizer.apply_gradients(zip(gradients, variables))
    return result


def step_logs(logs):
    """``logs`` (name -> scalar) as a train or test step hands them to ``fit``. In a cluster of
    several workers Keras 3 reduces each value over the workers along ``axis=0``, which a scalar
    lacks (tensorflow/tensorflow#72388), so there every value gets shape ``[1]``; the reduction
    turns it back into a scalar."""
    strategy = tf.distribute.get_strategy()
    resolver = strategy.cluster_resolver
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) or resolver is None:
        return logs
    spec = resolver.cluster_spec()
    if sum(spec.num_tasks(job) for job in spec.jobs) < 2:
        return logs
    return {name: tf.reshape(value, [1]) for name, value in logs.items()}
