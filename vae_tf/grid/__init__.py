"""Experiment grids: ``./run.sh`` (``python -m vae_tf.grid``) trains and evaluates every run of
a grid file through main.py, resumably and in parallel, then makes the figures and
``results.md``. :mod:`.experiments` reads grid files, :mod:`.runner` runs them,
:mod:`.results` tabulates them. :mod:`.summary` keeps a finished run's numbers and heat map
for the reproduction report, :mod:`.report` writes the report's tables from them."""
