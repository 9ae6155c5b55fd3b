"""The original dSprites (Matthey et al. 2017) through TFDS, held in memory as ground-truth data.

TFDS ``dsprites`` 2.0.0 stores the 737,280 images of the factor grid shape 3 x scale 6 x
orientation 40 x x 32 x y 32 (colour is constant) with their ``label_*`` classes, in an order of
its own. :class:`DSprites` reads the ``train`` split once and puts every image at the factorial
index of its labels (last factor fastest, as in the original ``.npz``), as uint8 0/1 (3 GB for the
full grid; float32 would take 12 GB), and hands out float32 0/1 images per request
(:class:`~vae_tf.data.tfds_grid.TfdsGrid`, which also reads 3D Shapes and smallNORB).
"""

from vae_tf.data.tfds_grid import TfdsGrid

LABELS = ("label_shape", "label_scale", "label_orientation", "label_x_position",
          "label_y_position")


class DSprites(TfdsGrid):
    """dSprites from TFDS; factors shape, scale, orientation, x_position, y_position."""

    name = "dsprites"
    labels = LABELS
    factor_names = ("shape", "scale", "orientation", "x_position", "y_position")
    factors_num_values = (3, 6, 40, 32, 32)
    observation_shape = (64, 64, 1)
    deterministic = True
