"""``python -m vae_tf.figures --checkpoint_dir=checkpoints --figure_dir=figures``: every figure
the runs under a checkpoint folder allow (see :func:`vae_tf.figures.make_figures`).

A missing or empty checkpoint folder, or bad arguments, end with one line
``vae_tf.figures: error: ...`` and exit code 2, before TensorFlow is imported.
"""

from vae_tf import cli
from vae_tf.figures import HEAT_MAP_STARTS, make_figures

PROG = "vae_tf.figures"


def parser():
    p = cli.ArgumentParser(PROG, prog=f"python -m {PROG}", description="Write every figure the runs under "
                "--checkpoint_dir allow (heat maps, stddev and reconstruction-error graphs, "
                "grids, traversal GIFs, ground-truth plots, training curves).")
    p.add_argument("--checkpoint_dir", default="checkpoints",
                   help="folder holding run directories, at any depth (default: checkpoints)")
    p.add_argument("--figure_dir", default="figures", help="output folder (default: figures)")
    p.add_argument("--heat_map_start", default="sample", choices=HEAT_MAP_STARTS,
                   help="code the heat maps sweep: frame 0's sampled z (the original) or its "
                        "posterior mean (default: sample)")
    p.add_argument("--latent_figures", action="store_true",
                   help="also the latent-space figures: t-SNE and PCA maps, interpolations, KL "
                        "per latent, AE vs VAE, class drift over the kept checkpoints")
    return p


def main(argv=None, print_fn=None):
    from vae_tf.config import ConfigError

    args = parser().parse_args(argv)
    try:
        make_figures(args.checkpoint_dir, args.figure_dir, args.heat_map_start,
                     print_fn=print_fn or (lambda line: print(line, flush=True)),
                     latent=args.latent_figures)
    except ConfigError as e:
        cli.fail(PROG, str(e))


if __name__ == "__main__":
    main()
