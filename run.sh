#!/usr/bin/env bash
# The full experiment grid (default: the original 18 balls runs), resumable and parallel, then
# figures and figures/results.md. ./run.sh --help for the options; see README "Reproducing the papers".
cd "$(dirname "$0")" && exec "$(command -v python || command -v python3)" -m vae_tf.grid "$@"
