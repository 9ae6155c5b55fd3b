"""Traversal GIFs (seeds 002, 004): ``<run>/traversal.gif`` and ``<run>/traversal_<rank>_z<j>.gif``.

Every latent of the first ``IMAGES`` fixed held-out images' posterior means is swept over
``traversals.VALUES`` (-3 to 3), one GIF frame per value. ``traversal.gif`` shows all latents
at once, one row per latent, ordered by decreasing KL (measured on the held-out images), one
column per image; ``traversal_<rank>_z<j>.gif`` shows latent ``j`` alone (its rank in that
order first, so the files list in KL order). A bar under each frame shows where the sweep is
(it also keeps the frames of an unused latent distinct, so every GIF has one frame per value).
"""

import numpy as np
from PIL import Image

from vae_tf.figures import runs, traversals
from vae_tf.training.callbacks import image_grid

IMAGES = 4
GAP = 2
BAR = 4
FRAME_MS = 200
GRID_FILE = "traversal.gif"


def latent_file_name(rank, latent):
    return f"traversal_{rank:02d}_z{latent:02d}.gif"


def sweeps(vae, images, order):
    """``[len(images), len(order), len(VALUES), H, W, C]``: each image's posterior mean with
    each latent of ``order`` swept over ``traversals.VALUES``."""
    mean, _ = runs.encode(vae, images)
    return np.stack([traversals.traverse(lambda z: runs.decode(vae, z), code, order,
                                         traversals.VALUES) for code in mean])


def frames(sweep, latents=None):
    """uint8 GIF frames of ``sweep`` (from :func:`sweeps`), one per value: rows = the latents
    (positions in the sweep's order; all by default), columns = the images."""
    images, count, values = sweep.shape[:3]
    rows = range(count) if latents is None else latents
    scale = max(1, 64 // sweep.shape[3])
    out = []
    for t in range(values):
        cells = np.stack([sweep[i, k, t] for k in rows for i in range(images)])
        grid = image_grid(cells, images, GAP, fill=0.5)[0]
        grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
        out.append(_to_uint8(_with_bar(grid, t, values)))
    return out


def _with_bar(grid, t, count):
    """``grid`` over a progress bar showing value ``t`` of ``count``."""
    height, width, channels = grid.shape
    bar = np.full((GAP + BAR, width, channels), 0.5, grid.dtype)
    bar[GAP:] = 0.2
    bar[GAP:, :int(round(width * (t + 1) / count))] = 1.0
    return np.concatenate([grid, bar])


def _to_uint8(image):
    return np.clip(np.round(np.asarray(image, np.float64) * 255.0), 0, 255).astype(np.uint8)


def save_gif(frames, path):
    """An endlessly looping GIF of uint8 ``[H, W, 1 or 3]`` frames, ``FRAME_MS`` each."""
    # uint8 [H, W] arrays become mode L pictures, [H, W, 3] ones RGB.
    pictures = [Image.fromarray(f[..., 0] if f.shape[-1] == 1 else f) for f in frames]
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=FRAME_MS,
                     loop=0, optimize=False)
    return path
