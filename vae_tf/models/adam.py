"""Adam whose update of each variable is one fused TensorFlow kernel."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="vae_tf")
class FusedAdam(keras.optimizers.Adam):
    """Keras' Adam (Kingma & Ba 2015, Algorithm 1, the bias corrections folded into the step
    size) with each variable's update done by TensorFlow's ``ResourceApplyAdam`` kernel.

    The kernel computes what Keras' ``Adam.update_step`` computes, in the same order:
    ``m += (g - m)(1 - β1)``, ``v += (g² - v)(1 - β2)``,
    ``w -= m·α / (√v + ε)`` with ``α = lr·√(1 - β2^t) / (1 - β1^t)``, in one op where Keras
    builds about fifteen (casts, powers, the arithmetic, three variable writes): fewer small ops
    in the train step (the README's Speed section has what that is worth). The kernel takes
    ``1 - β`` in float32, as TF1's Adam did (Keras: in float64, then rounded), so ``v`` differs
    from Keras' by about 1e-5 relative. The state (``m``, ``v``, the iteration count) is Keras'
    own, so checkpoints of either class restore into the other. Under a strategy with several
    replicas each replica's copy is updated by its own kernel call. AMSGrad takes Keras' update.
    """

    def update_step(self, gradient, variable, learning_rate):
        if self.amsgrad:
            return super().update_step(gradient, variable, learning_rate)
        index = self._get_variable_index(variable)
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)

        def cast(value):
            return tf.cast(value, dtype)

        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle, m=self._momentums[index].value.handle,
            v=self._velocities[index].value.handle,
            beta1_power=tf.pow(cast(self.beta_1), step),
            beta2_power=tf.pow(cast(self.beta_2), step),
            lr=cast(learning_rate), beta1=cast(self.beta_1), beta2=cast(self.beta_2),
            epsilon=cast(self.epsilon), grad=cast(gradient), use_locking=False)
        return None

