"""Speed and pixel statistics of the re-rendered dSprites grid (vae_tf.data.dsprites_rendered).

    python benchmarks/dsprites_rendered.py                     # speed, table from 20k rows
    python benchmarks/dsprites_rendered.py --samples=0         # table from the full grid
    python benchmarks/dsprites_rendered.py --original=dsprites_ndarray_co1sh3sc6or40x32y32_64x64.hdf5

Prints the images/s of ``render`` on batches of random factor rows (best and median of
``--repeats`` timings after one warm-up), and the mean number of foreground pixels per shape and
scale. With ``--original`` (the released hdf5 file: ``imgs`` [N, 64, 64] uint8 and
``latents/classes`` [N, 6] with columns color, shape, scale, orientation, x, y) it prints the
same table for the original images, read in chunks, and the ratio rendered / original.
"""

import argparse
import time

import numpy as np

from vae_tf.data import dsprites_rendered as ds

CHUNK = 16384


def render_rate(batch_size, repeats, rng):
    """(best, median) images/s of :func:`render` on random batches of ``batch_size`` rows."""
    data = ds.RenderedDSprites()
    batches = [data.sample_factors(batch_size, rng) for _ in range(repeats + 1)]
    ds.render(batches[0])  # warm-up
    times = []
    for factors in batches[1:]:
        start = time.perf_counter()
        ds.render(factors)
        times.append(time.perf_counter() - start)
    return batch_size / min(times), batch_size / float(np.median(times))


def rendered_table(samples, rng):
    """Mean foreground count per (shape, scale) of ``samples`` random rows (0: the full grid)."""
    if samples:
        factors = ds.RenderedDSprites().sample_factors(samples, rng)
    else:
        factors = np.stack(np.unravel_index(np.arange(np.prod(ds.FACTORS_NUM_VALUES)),
                                            ds.FACTORS_NUM_VALUES), axis=1)
    counts = np.concatenate([ds.foreground_counts(ds.render(factors[i:i + CHUNK]))
                             for i in range(0, len(factors), CHUNK)])
    return ds.mean_count_per_shape_scale(factors, counts)


def original_table(path):
    """Mean foreground count per (shape, scale) of every image of the released hdf5 file."""
    import h5py

    with h5py.File(path, "r") as f:
        images, classes = f["imgs"], f["latents/classes"][:]
        counts = np.concatenate([ds.foreground_counts(images[i:i + CHUNK])
                                 for i in range(0, len(classes), CHUNK)])
    return ds.mean_count_per_shape_scale(classes[:, 1:], counts)


def print_table(title, table, fmt):
    print(f"\n{title}")
    print(f"{'shape':>8} " + " ".join(f"{s:>7.1f}" for s in ds.SCALES))
    for name, row in zip(ds.SHAPES, table):
        print(f"{name:>8} " + " ".join(format(v, fmt) for v in row))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch_size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--samples", type=int, default=20000,
                        help="random factor rows for the rendered table; 0 renders the full grid")
    parser.add_argument("--original", help="path of the released dSprites hdf5 file")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    best, median = render_rate(args.batch_size, args.repeats, rng)
    print(f"render, batch {args.batch_size}: best {best:,.0f} images/s, "
          f"median {median:,.0f} images/s ({args.repeats} repeats)")
    rendered = rendered_table(args.samples, rng)
    source = f"{args.samples} random rows" if args.samples else "full grid"
    print_table(f"mean foreground pixels, rendered ({source})", rendered, "7.1f")
    if args.original:
        original = original_table(args.original)
        print_table("mean foreground pixels, original", original, "7.1f")
        print_table("ratio rendered / original", rendered / original, "7.3f")


if __name__ == "__main__":
    main()
