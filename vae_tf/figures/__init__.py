"""Every figure of the seeds, from the runs under a checkpoint folder, with one call.

``python -m vae_tf.figures --checkpoint_dir=checkpoints --figure_dir=figures`` (or
``main.py --mode=figures``) calls :func:`make_figures`, which writes, for every run the folder
holds (see :mod:`.runs`), the figures it allows:

==========================================  =====================================  ==============
file (under ``figure_dir``)                 what                                   runs
==========================================  =====================================  ==============
``heat_map_<run>.png``                      :mod:`.heat_map` traversals            balls
``{one,two}_ball_stddev_<model>.png``       :mod:`.stddev`, one line per β         balls, β-VAE
``{one,two}_ball_reconstruction_loss.png``  :mod:`.reconstruction_loss` vs β       balls, β-VAE
``<run>/grid_step_<step>.png``              :mod:`.grids`, per kept checkpoint     all
``<run>/traversal*.gif``                    :mod:`.gifs`, all latents and each     all
``<run>/ground_truth.png``                  :mod:`.ground_truth_plots`             with factors
``<run>/{losses,kl_per_latent}.png``        :mod:`.curves` from TensorBoard         with events
``<run>/latent_map.png`` ...                :mod:`.latent_space` (``latent=True``)  all
``ae_vs_vae_<run>.png``                     :mod:`.latent_comparisons`             AE + VAE
``<run>/class_drift.png``                   :mod:`.latent_comparisons`             labelled
==========================================  =====================================  ==============

``<run>`` is the run directory's name after its ``--train_dir`` prefix (for example
``model_conv_num_balls_1_beta_0.1``, so the heat maps keep the original's file names). A run
lacking what a figure needs is skipped for that figure with one line saying why.

This module imports neither TensorFlow nor matplotlib until runs are found, so a wrong folder
fails at once; the Monitor callback imports :mod:`.traversals` alone.
"""

import os

HEAT_MAP_STARTS = ("sample", "mean")


def make_figures(checkpoint_dir="checkpoints", figure_dir="figures", heat_map_start="sample",
                 ground_truth_per_cell=4, print_fn=print, latent=False):
    """Write every figure the runs under ``checkpoint_dir`` allow into ``figure_dir``; returns
    the written paths in the order written.

    ``heat_map_start``: ``"sample"`` (the original: frame 0's sampled z, fixed noise) or
    ``"mean"`` (its posterior mean). ``ground_truth_per_cell``: images averaged per cell of
    the ground-truth plots. ``latent``: also the latent-space figures (``--latent_figures``:
    :mod:`.latent_space`, :mod:`.latent_comparisons`). Raises ConfigError (naming the option)
    when ``checkpoint_dir`` holds no run or ``figure_dir`` cannot be made.
    """
    from vae_tf.config import ConfigError
    from vae_tf.figures import runs

    if heat_map_start not in HEAT_MAP_STARTS:
        raise ConfigError("heat_map_start", f"expected one of {', '.join(HEAT_MAP_STARTS)}, "
                          f"got {heat_map_start!r}")
    found = runs.find_runs(checkpoint_dir, print_fn)
    try:
        os.makedirs(figure_dir, exist_ok=True)
    except OSError as e:
        raise ConfigError("figure_dir", f"cannot create {figure_dir} ({e.strerror or e})") from None
    print_fn(f"{len(found)} run{'s' if len(found) > 1 else ''} in {checkpoint_dir}; figures go "
             f"to {figure_dir}")
    written, measured = [], {}
    compared = {} if latent else None
    for run in found:
        written += _run_figures(run, figure_dir, heat_map_start, ground_truth_per_cell,
                                measured, print_fn, compared)
    written += _balls_graphs(measured, figure_dir, print_fn)
    if latent:
        written += _ae_vs_vae(found, compared, figure_dir, print_fn)
    print_fn(f"wrote {len(written)} files to {figure_dir}")
    return written


def _run_figures(run, figure_dir, heat_map_start, per_cell, measured, print_fn, compared=None):
    """The figures of one run; its balls measurements go into ``measured``, and with
    ``compared`` (a dict) its latent-space figures are drawn and their data go there."""
    from vae_tf.tf_startup import import_tensorflow
    import_tensorflow()  # before keras: without TensorFlow's start-up notices
    import keras

    from vae_tf.config import ConfigError
    from vae_tf.figures import (curves, gifs, grids, ground_truth_plots, heat_map, runs,
                                reconstruction_loss, stddev, traversals)
    from vae_tf.figures.plotting import save_png
    from vae_tf.training.build import build_vae
    from vae_tf.training.checkpoints import READ_ERRORS, reason
    from vae_tf.training.train import prior_codes

    config, name = run.config, run.name
    folder = os.path.join(figure_dir, name)
    os.makedirs(folder, exist_ok=True)
    vae = build_vae(config, precision="off")
    step = runs.load(vae, run, print_fn=print_fn)
    written = []

    if config.dataset != "balls":
        print_fn(f"{name}: no heat map, stddev or reconstruction-error graph (balls runs only; "
                 f"this is --dataset={config.dataset})")
    else:
        data = heat_map.heat_map_data(vae, config, heat_map_start)
        written.append(save_png(heat_map.plot(*data, heat_map.title(config, heat_map_start)),
                                os.path.join(figure_dir, heat_map.file_name(run))))
        key = (config.num_balls, config.model, config.beta)
        if config.objective != "beta":
            print_fn(f"{name}: not in the stddev and reconstruction-error graphs (they compare "
                     f"β-VAE runs; this is --objective={config.objective})")
        elif key in measured:
            print_fn(f"{name}: not in the stddev and reconstruction-error graphs "
                     f"({measured[key][0]} has the same model, number of balls and β)")
        else:
            frames = reconstruction_loss.measured_frames(config)
            measured[key] = (name, stddev.sorted_sigma(vae, config),
                             reconstruction_loss.per_image_nats(vae, frames))

    try:
        ground_truth, held_out, colours = _data(config, print_fn)
    except ConfigError as e:
        print_fn(f"{name}: no grids, traversal GIFs or ground-truth plot (its data cannot be "
                 f"read: {e})")
        ground_truth = held_out = colours = None

    if held_out is not None:
        mean, logvar = runs.encode(vae, held_out)
        order = traversals.kl_order(mean, logvar)
        sweep = gifs.sweeps(vae, held_out[:gifs.IMAGES], order)
        written.append(gifs.save_gif(gifs.frames(sweep), os.path.join(folder, gifs.GRID_FILE)))
        for rank, latent in enumerate(order):
            written.append(gifs.save_gif(gifs.frames(sweep, [rank]), os.path.join(
                folder, gifs.latent_file_name(rank, latent))))

    if ground_truth is not None:
        panels, codes = ground_truth_plots.mean_activations(
            ground_truth, lambda images: runs.encode(vae, images)[0], per_cell)
        latents, variances = ground_truth_plots.active_latents(codes)
        if len(latents):
            title = (f"{name}, step {step}\nmean posterior mean of each active latent\n"
                     f"(Var(μ) > {ground_truth_plots.ACTIVE_VARIANCE}) by ground-truth factor")
            written.append(save_png(ground_truth_plots.plot(panels, latents, variances, title),
                                    os.path.join(folder, ground_truth_plots.FILE_NAME)))
        else:
            print_fn(f"{name}: no ground-truth plot (no active latent: Var(μ) <= "
                     f"{ground_truth_plots.ACTIVE_VARIANCE} for every latent)")
    elif held_out is not None:
        print_fn(f"{name}: no ground-truth plot (--dataset={config.dataset} has no "
                 "ground-truth factors)")

    scalars = curves.read_scalars(run.path)
    panels = curves.loss_panels(scalars)
    if not panels:
        print_fn(f"{name}: no loss curves or KL bars (no TensorBoard scalars in {run.path})")
    else:
        written.append(save_png(curves.plot_losses(panels, f"{name}: training curves"),
                                os.path.join(folder, curves.LOSSES_FILE)))
        kl = curves.last_kl_per_latent(scalars)
        if kl is None:
            print_fn(f"{name}: no KL bars (no kl_per_latent scalars in its events)")
        else:
            written.append(save_png(curves.plot_kl(*kl, name),
                                    os.path.join(folder, curves.KL_FILE)))

    if held_out is not None and compared is not None:
        written += _latent_figures(vae, run, step, held_out, colours, folder, compared,
                                   print_fn)

    if held_out is not None:  # last: it loads each kept checkpoint into the model in turn
        prior_z = prior_codes(config.seed, vae.latent_dim)
        for prefix in run.checkpoints:
            try:
                saved = runs.load(vae, run, prefix)
            except READ_ERRORS as error:
                print_fn(f"{name}: no step grid of {prefix} (unreadable: {reason(error)})")
                continue
            rows = grids.grid_images(vae, held_out[:len(prior_z)], prior_z)
            written.append(save_png(grids.plot(rows, f"{name}, step {saved}"),
                                    os.path.join(folder, grids.file_name(saved))))
    print_fn(f"{name}: step {step}, {len(written)} files")
    keras.backend.clear_session()
    return written


def _latent_figures(vae, run, step, held_out, colours, folder, compared, print_fn):
    """The latent-space figures of one run (:mod:`.latent_space`; the class drift over its
    kept checkpoints when it has labels); its summary goes into ``compared``. Loads each kept
    checkpoint in turn for the drift, so it comes just before the grids."""
    from vae_tf.figures import latent_comparisons, latent_space, runs
    from vae_tf.figures.plotting import save_png
    from vae_tf.training.train import prior_codes

    written, summary = latent_space.run_figures(vae, run.name, step, held_out, colours,
                                                folder, print_fn)
    summary.update(step=step, prior=runs.decode(vae, prior_codes(run.config.seed,
                                                                 vae.latent_dim)))
    compared[run.name] = summary
    if colours is None or not colours.class_names:
        print_fn(f"{run.name}: no class drift (--dataset={run.config.dataset} has no labels)")
    elif "points" not in summary:
        print_fn(f"{run.name}: no class drift (no latent map)")
    elif len(run.checkpoints) < 2:
        print_fn(f"{run.name}: no class drift (one kept checkpoint; --keep_checkpoints keeps "
                 "more)")
    else:
        figure = latent_comparisons.class_drift(vae, run, held_out, colours, runs.load,
                                                lambda model, x: runs.encode(model, x)[0])
        written.append(save_png(figure, os.path.join(folder, latent_comparisons.DRIFT_FILE)))
    return written


def _ae_vs_vae(found, compared, figure_dir, print_fn):
    """``ae_vs_vae_<run>.png`` for every autoencoder run with VAE runs of its settings."""
    from vae_tf.figures import latent_comparisons
    from vae_tf.figures.plotting import save_png

    written = []
    groups = latent_comparisons.ae_vae_groups([r for r in found if r.name in compared])
    if not groups:
        print_fn("no autoencoder-vs-VAE figure (it needs a --deterministic --beta=0 run and a "
                 "VAE run of the same other settings)")
    for ae, vaes in groups:
        rows = [(latent_comparisons.row_label(r, compared[r.name]), compared[r.name])
                for r in (ae, *vaes)]
        title = (f"{ae.name}: the same model as a plain autoencoder and as a VAE "
                 f"(held-out images; --dataset={ae.config.dataset})")
        path = os.path.join(figure_dir, latent_comparisons.ae_vs_vae_file(ae.name))
        written.append(save_png(latent_comparisons.plot_ae_vs_vae(rows, title), path))
        print_fn(f"wrote {path}")
    return written


def _data(config, print_fn):
    """``(ground_truth, held_out, colours)``: the run's ground-truth data (None without
    factors), its fixed held-out images (those its TensorBoard images show) and what colours
    them in the latent maps (:func:`vae_tf.data.sources.held_out_data`)."""
    from vae_tf.data import sources, tfds_sources

    if config.dataset in tfds_sources.DATASETS:
        tfds_sources.check_available(config.dataset, config.data_dir or None,
                                     config.manual_dir or None)
    if config.dataset == "image_folder":
        from vae_tf.data import image_folder
        image_folder.check(config)
    ground_truth = sources.ground_truth_data(config, print_fn)
    held_out, colours = sources.held_out_data(config, print_fn, ground_truth)
    return ground_truth, held_out, colours


def _balls_graphs(measured, figure_dir, print_fn):
    """The stddev graphs (per number of balls and model) and reconstruction-error graphs (per
    number of balls) of the measured balls runs."""
    from vae_tf.figures import reconstruction_loss, stddev
    from vae_tf.figures.plotting import save_png

    written = []
    by_model, by_balls = {}, {}
    for (num_balls, model, beta), (_, sigma, nats) in sorted(measured.items()):
        by_model.setdefault((num_balls, model), {})[beta] = sigma
        by_balls.setdefault(num_balls, {}).setdefault(model, {})[beta] = nats
    for (num_balls, model), sigma_by_beta in by_model.items():
        written.append(save_png(stddev.plot(sigma_by_beta, num_balls, model),
                                os.path.join(figure_dir, stddev.file_name(num_balls, model))))
    for num_balls, nats_by_model in by_balls.items():
        written.append(save_png(reconstruction_loss.plot(nats_by_model, num_balls), os.path.join(
            figure_dir, reconstruction_loss.file_name(num_balls))))
    for path in written:
        print_fn(f"wrote {path}")
    return written
