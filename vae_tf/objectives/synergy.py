"""Greedy subset search of the Non-Synergistic VAE (Steeg et al. 2017; Gonzalob90/non-synergistic-vae).

The search picks a set ``A`` of latents whose summed KL is (greedily, with a discount ``ω`` on
every pick after the first) the largest; the synergy penalty is the KL of the rest, ``W = ¬A``.
Rounds: scan the latents not yet in ``A`` in index order; candidate ``j`` has value
``v_j = KL(A) + kl_j`` and becomes the round's pick when ``v_j > b`` (``A`` empty) or
``ω · v_j > b`` (otherwise), setting ``b = v_j``; the best value ``b`` starts at 0 and carries
across rounds. The pick, if any, joins ``A``. Both versions add ``KL(A)`` up in pick order in
float32 so that they agree exactly, ties included.
"""

import numpy as np
import tensorflow as tf


def greedy_subset_numpy(kl, omega):
    """Reference search: the chosen latent indices in pick order (python list)."""
    kl = np.asarray(kl, np.float32)
    omega = np.float32(omega)
    chosen, best, kl_a = [], np.float32(0), np.float32(0)
    for _ in range(len(kl)):
        pick = None
        for j in range(len(kl)):
            if j in chosen:
                continue
            value = kl_a + kl[j]
            discounted = value if not chosen else omega * value
            if discounted > best:
                pick, best = j, value
        if pick is not None:
            chosen.append(pick)
            kl_a = kl_a + kl[pick]
    return chosen


# The search is d x d sequential scalar steps: always compiled with XLA, which makes it 60 times
# faster (0.27 against 18 ms for d = 32 on 2 CPU cores) also inside a train step that is not.
@tf.function(jit_compile=True)
def synergy_mask(kl, omega):
    """``[d]`` float32 mask, 1 on the latents of ``A``; ``kl`` is ``[d]`` with static ``d``.

    Two nested ``tf.foldl`` loops (rounds, candidates), traced once per shape and ``omega``.
    """
    kl = tf.convert_to_tensor(kl, tf.float32)
    d = kl.shape[0]
    omega = tf.cast(omega, tf.float32)

    def one_round(state, _):
        mask, best, kl_a = state
        factor = tf.where(tf.reduce_any(mask > 0), omega, 1.0)

        def consider(carry, j):
            best, pick = carry
            value = kl_a + kl[j]
            accept = (mask[j] == 0) & (factor * value > best)
            return tf.where(accept, value, best), tf.where(accept, j, pick)

        best, pick = tf.foldl(consider, tf.range(d), (best, tf.constant(-1)))
        kl_a = tf.where(pick >= 0, kl_a + tf.gather(kl, tf.maximum(pick, 0)), kl_a)
        return mask + tf.one_hot(pick, d), best, kl_a  # one_hot(-1) is all zeros

    start = (tf.zeros([d]), tf.constant(0.0), tf.constant(0.0))
    return tf.foldl(one_round, tf.range(d), start)[0]


def synergy_penalty(kl, omega):
    """``(Σ_{j∈W} kl_j, |A|)`` with ``W = ¬A``; the mask is constant, so gradients reach ``W`` only."""
    kl = tf.convert_to_tensor(kl, tf.float32)
    mask = synergy_mask(tf.stop_gradient(kl), omega)
    return tf.reduce_sum((1.0 - mask) * kl), tf.reduce_sum(mask)
