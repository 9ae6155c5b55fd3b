"""scikit-learn's 1,797 handwritten 8x8 digits as an image folder, a small offline MNIST
stand-in for ``--dataset=image_folder``: ``python -m vae_tf.data.digits_folder /tmp/digits``
writes ``/tmp/digits/<label>/<index>.png`` (greyscale, 0-16 scaled to 0-255).
"""

import os
import sys


def write(folder):
    """Write the digits as PNGs under ``folder/<label>/``; returns how many were written."""
    import numpy as np
    from sklearn.datasets import load_digits

    from vae_tf.tf_startup import import_tensorflow
    import_tensorflow()
    import tensorflow as tf

    digits = load_digits()
    images = np.round(digits.images * (255 / 16)).astype(np.uint8)[..., None]
    for index, (image, label) in enumerate(zip(images, digits.target)):
        os.makedirs(os.path.join(folder, str(label)), exist_ok=True)
        tf.io.write_file(os.path.join(folder, str(label), f"{index:04d}.png"),
                         tf.io.encode_png(image))
    return len(images)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m vae_tf.data.digits_folder FOLDER")
    print(f"wrote {write(sys.argv[1])} PNG files to {sys.argv[1]}")
