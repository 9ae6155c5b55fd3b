"""Train a β-VAE: ``python main.py --model=conv --num_balls=2 --beta=1.0`` (bouncing balls),
``python main.py --dataset=dsprites_rendered --model=burgess_conv --beta=4`` (dSprites).

The flags mirror the original balls repository's switches, with its defaults. Rerunning the same
command resumes the run from its last checkpoint; ``--overwrite`` starts it again. Bad flags end
with a one-line error and exit code 2 before anything is written. ``--mode=eval`` scores a run's
latest checkpoint with the disentanglement metrics (``eval.json`` in its run directory);
``--mode=figures`` writes every figure the runs under ``--checkpoint_dir`` allow into
``--figure_dir`` (as ``python -m vae_tf.figures``).
"""

import dataclasses
import json
import os
import signal
import sys
import textwrap

from absl import app, flags, logging

from vae_tf.config import (BATCH_MODES, DATASETS, DCI_BACKENDS, EVALUATION_SETTINGS,
                           IMAGE_FITS, JIT_CHOICES, ALL_METRIC_NAMES, MODELS, OBJECTIVE_FLAGS,
                           OBJECTIVES, PRECISIONS, PREFETCH_BATCHES, RECONSTRUCTION_LOSSES,
                           REPRESENTATIONS, STRATEGIES, ConfigError, TrainConfig)
from vae_tf.data import image_folder, tfds_sources
from vae_tf.figures import HEAT_MAP_STARTS
from vae_tf.tf_startup import import_tensorflow
from vae_tf.training import run_lock
from vae_tf.training.cluster import is_chief, tf_config_error
from vae_tf.training.run_dir import RunWriteError, last_good_checkpoint

FLAGS = flags.FLAGS
EXIT_USAGE = 2
MODES = ("train", "eval", "figures", "config")
# ``--help``: main.py's flags by topic, each once, in this order.
FLAG_GROUPS = {
    "run": ("mode", "train_dir", "run_dir", "overwrite", "seed"),
    "data": ("dataset", "data_dir", "manual_dir", "num_balls", "friction", "batch_mode",
             "image_dir", "image_size", "image_fit", "image_channels", "exclude_label"),
    "model": ("model", "hidden_size", "keep_prob", "weight_init", "weight_decay"),
    "objective": ("objective", "beta", "deterministic", "recon_loss", "kl_warmup_steps",
                  "gamma", "c_max", "c_steps", "alpha", "omega", "disc_lr", "lambda_od",
                  "lambda_d"),
    "training": ("max_step", "batch_size", "lr", "log_every", "image_every", "save_every",
                 "keep_checkpoints", "jit_compile"),
    "evaluation": ("eval_every", "metrics", "metric_points", "representation", "dci_backend"),
    "figures": ("checkpoint_dir", "figure_dir", "heat_map_start", "latent_figures"),
    "distribution": ("strategy", "mixed_precision"),
}
HELP_FLAGS = ("--help", "-h", "-?", "--helpshort")
# Settings --mode=eval takes from the command line rather than from the run's config.json.
EVAL_OVERRIDES = ("data_dir", "manual_dir") + EVALUATION_SETTINGS


def define_flags():
    """Register the flags (only when run as a script: libraries never define flags)."""
    d = TrainConfig()
    flags.DEFINE_enum("mode", "train", MODES, "train: train (or resume) the run; eval: score "
                      "its latest checkpoint (held-out loss and disentanglement metrics) into "
                      "<run directory>/eval.json; figures: write every figure the runs under "
                      "--checkpoint_dir allow into --figure_dir; config: print the run's resolved "
                      "settings and run directory as JSON (for scripts such as run.sh).")
    flags.DEFINE_string("run_dir", "", "--mode=eval: the run directory to evaluate (its "
                        "config.json replaces the training flags).")
    flags.DEFINE_string("checkpoint_dir", "checkpoints", "--mode=figures: folder holding the "
                        "run directories (at any depth).")
    flags.DEFINE_string("figure_dir", "figures", "--mode=figures: where the figures go.")
    flags.DEFINE_enum("heat_map_start", "sample", HEAT_MAP_STARTS, "--mode=figures: the code "
                      "the heat maps sweep: frame 0's sampled z (the original) or its mean.")
    flags.DEFINE_string("train_dir", d.train_dir, "Prefix of the run directory, relative to "
                        "the current directory (a trailing / is dropped); the run lands in "
                        "<train_dir>_model_<m>_num_balls_<n>_beta_<b> (other data sets: "
                        "<train_dir>_dataset_<name>_model_<m>_beta_<b>).")
    flags.DEFINE_enum("dataset", d.dataset, DATASETS, "Training data: the balls generator, "
                      "dSprites (TFDS), dSprites re-rendered here (no files needed), MNIST or "
                      "CelebA (TFDS), or your images (image_folder: --image_dir).")
    flags.DEFINE_string("data_dir", d.data_dir, "TFDS data directory (default: TFDS_DATA_DIR "
                        "or ~/tensorflow_datasets).")
    flags.DEFINE_string("manual_dir", d.manual_dir, "Folder where you put the original files "
                        "of a TFDS data set (nothing is downloaded; README, \"Supplying TFDS "
                        "data\"); default: <data_dir>/downloads/manual.")
    flags.DEFINE_enum("model", d.model, MODELS, "Architecture.")
    flags.DEFINE_integer("hidden_size", None, "Latent size (all_conv: channels of the "
                         "4x4 latent map); default 10 for fc_1200 and burgess_conv, else 32.")
    flags.DEFINE_integer("max_step", d.max_step, "Train until this many optimizer steps (0 on "
                         "a new run: save the initialisation only, to evaluate it).")
    flags.DEFINE_float("keep_prob", d.keep_prob, "Dropout keep probability after the dense "
                       "layer of the conv and burgess_conv encoders.")
    flags.DEFINE_float("beta", None, "Weight of the KL term (objectives beta: default 0.1, "
                       "nonsyn: 1) or of the total correlation (tcvae: default 6, at least 1); "
                       "annealed, factor and the DIP-VAEs have none.")
    flags.DEFINE_float("lr", d.lr, "Adam learning rate.")
    flags.DEFINE_integer("batch_size", d.batch_size, "Images per step.")
    flags.DEFINE_float("weight_init", d.weight_init, "Std and bias of dense-layer initialisers.")
    flags.DEFINE_float("weight_decay", d.weight_decay, "L2 weight decay; 0 = off (the "
                       "original's 0.0005 was never applied).")
    flags.DEFINE_boolean("friction", d.friction, "Gravity and drag in the ball physics.")
    flags.DEFINE_integer("num_balls", d.num_balls, "Balls per frame.")
    flags.DEFINE_enum("recon_loss", "auto", ("auto",) + RECONSTRUCTION_LOSSES,
                      "Reconstruction term: Bernoulli cross-entropy, squared or absolute error; "
                      "auto = mse for celeb_a, ce otherwise.")
    flags.DEFINE_integer("kl_warmup_steps", d.kl_warmup_steps, "Steps of the linear KL "
                         "warm-up from 0 to beta (objective beta); 0 = off.")
    flags.DEFINE_enum("objective", d.objective, OBJECTIVES, "beta: β-VAE; annealed: "
                      "capacity-annealed β-VAE; nonsyn: Non-Synergistic VAE; factor: FactorVAE; "
                      "tcvae: β-TCVAE; dip_vae_i, dip_vae_ii: DIP-VAE-I and -II.")
    flags.DEFINE_float("gamma", None, "annealed: weight of |KL - C_t| (default 1000); factor: "
                       "weight of the total correlation (default 6.4).")
    flags.DEFINE_float("c_max", None, "annealed: final capacity C in nats (default 25).")
    flags.DEFINE_integer("c_steps", None, "annealed: steps over which C rises from 0 to c_max "
                         "(default 100000).")
    flags.DEFINE_float("alpha", None, "nonsyn: weight of the synergy step (default 5).")
    flags.DEFINE_float("omega", None, "nonsyn: discount of later picks in the greedy subset "
                       "search, in (0, 1] (default 0.9).")
    flags.DEFINE_float("disc_lr", None, "factor: Adam learning rate of the discriminator "
                       "(beta1 0.5, beta2 0.9; default 0.0001).")
    flags.DEFINE_float("lambda_od", None, "dip_vae_i, dip_vae_ii: weight of the squared "
                       "off-diagonal covariances (default 10).")
    flags.DEFINE_float("lambda_d", None, "dip_vae_i, dip_vae_ii: weight of the squared "
                       "deviations of the variances from 1 (default 10 x lambda_od for I, "
                       "lambda_od for II).")
    flags.DEFINE_string("image_dir", d.image_dir, "--dataset=image_folder: the folder of PNG/JPEG "
                        "images (searched recursively; sub-folder names are the labels).")
    flags.DEFINE_integer("image_size", d.image_size, "--dataset=image_folder: side of the square "
                         "images the model sees (conv: a multiple of 4; burgess_conv: 64).")
    flags.DEFINE_enum("image_fit", d.image_fit, IMAGE_FITS, "--dataset=image_folder: resize = "
                      "squeeze the whole image into the square; crop = its central square, "
                      "resized.")
    flags.DEFINE_integer("image_channels", d.image_channels, "--dataset=image_folder: 1 = "
                         "greyscale, 3 = colour.")
    flags.DEFINE_integer("exclude_label", None, "mnist, image_folder: train without this label "
                         "(held-out images keep it); resume without the flag to add the class.")
    flags.DEFINE_boolean("deterministic", d.deterministic, "A plain autoencoder: z is the "
                         "encoder's mean, no sampling (with --beta=0).")
    flags.DEFINE_integer("keep_checkpoints", d.keep_checkpoints, "Checkpoints kept (the newest); "
                         "the figures draw each kept one.")
    flags.DEFINE_boolean("latent_figures", False, "--mode=figures: also the latent-space "
                         "figures (t-SNE and PCA maps, interpolations, KL per latent, AE vs "
                         "VAE, class drift over the kept checkpoints).")
    flags.DEFINE_enum("batch_mode", d.batch_mode, BATCH_MODES, "iid: every frame from its own "
                      "trajectory; trajectory: consecutive frames of one (the original).")
    flags.DEFINE_integer("seed", d.seed, "Seed of weights, noise and data.")
    flags.DEFINE_integer("log_every", d.log_every, "Steps between console lines and TensorBoard "
                         "scalars.")
    flags.DEFINE_integer("image_every", d.image_every, "Steps between TensorBoard images (written "
                         "at the first log at or past each multiple, and at the end).")
    flags.DEFINE_integer("save_every", d.save_every, "Steps between checkpoints (and evals).")
    flags.DEFINE_enum("jit_compile", d.jit_compile, JIT_CHOICES, "XLA for the train step; "
                      "auto = the faster setting measured for the model.")
    flags.DEFINE_enum("strategy", d.strategy, STRATEGIES, "tf.distribute strategy: auto = "
                      "mirrored when more than one GPU is visible, else one device; one_device; "
                      "mirrored = one replica per GPU; multi_worker = the cluster in TF_CONFIG "
                      "(README, \"Several GPUs and machines\").")
    flags.DEFINE_enum("mixed_precision", d.mixed_precision, PRECISIONS, "Keras precision "
                      "policy: layers compute in float16 (with loss scaling) or bfloat16, "
                      "weights and loss sums stay float32; off = float32.")
    flags.DEFINE_integer("eval_every", d.eval_every, "Steps between metric evaluations during "
                         "training (eval.json and TensorBoard metrics/...); 0 = off.")
    flags.DEFINE_list("metrics", list(d.metric_names), "Disentanglement metrics to compute: "
                      f"any of {', '.join(ALL_METRIC_NAMES)}.")
    flags.DEFINE_integer("metric_points", d.metric_points, "Training points of every metric "
                         "(evaluation points: half); 0 = the standard sizes of "
                         "disentanglement_lib. A few thousand make a quick evaluation.")
    flags.DEFINE_enum("representation", d.representation, REPRESENTATIONS, "What the metrics "
                      "score: mean = the encoder mean (disentanglement_lib's default); sampled = "
                      "one draw of the posterior per observation.")
    flags.DEFINE_enum("dci_backend", d.dci_backend, DCI_BACKENDS, "DCI's boosted trees: sklearn "
                      "= disentanglement_lib's GradientBoostingClassifier (the published "
                      "numbers); lightgbm = trees of the same size, about 50x faster, another "
                      "estimator (README, \"Evaluation\").")
    flags.DEFINE_boolean("overwrite", False, "Delete the run directory and start again.")


def _default(flag):
    if flag.default is None:
        return "(per --objective)" if flag.name in OBJECTIVE_FLAGS else "(see text)"
    if isinstance(flag.default, bool):
        return "true" if flag.default else "false"
    if isinstance(flag.default, list):
        return ",".join(flag.default)
    return str(flag.default) if flag.default != "" else "''"


def grouped_help():
    """``--help``: the usage lines of the module docstring, then every flag of main.py by
    topic (:data:`FLAG_GROUPS`) with its default."""
    lines = [__doc__.strip().replace("``", ""), "",
             "Flags (--name=value; --flagfile=FILE reads them from a file, --helpfull adds "
             "absl's own):"]
    for group, names in FLAG_GROUPS.items():
        lines += ["", f"{group}:"]
        for name in names:
            flag = FLAGS[name]
            lines.append(f"  --{name}={_default(flag)}")
            lines += textwrap.wrap(flag.help, width=96, initial_indent=" " * 6,
                                   subsequent_indent=" " * 6)
    return "\n".join(lines)


def fail(message, code=EXIT_USAGE):
    print(f"main.py: error: {message}", file=sys.stderr)
    sys.exit(code)


def parse_flags(argv):
    """absl parsing with a one-line error and exit code 2 (absl itself exits 1); ``--help``
    prints :func:`grouped_help`."""
    if any(arg in HELP_FLAGS for arg in argv[1:]):
        try:
            print(grouped_help(), flush=True)
        except BrokenPipeError:  # `main.py --help | head`: the reader has all it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    try:
        return FLAGS(argv)
    except flags.Error as e:
        fail(str(e).splitlines()[0])


def flag_value(name):
    value = FLAGS[name].value
    return ",".join(value) if name == "metrics" else value


def config_from_flags():
    names = TrainConfig.__dataclass_fields__
    return TrainConfig(**{name: flag_value(name) for name in names})


def eval_config():
    """The config of the run to evaluate: its saved config.json (``--run_dir`` or the run
    directory the training flags name), with the evaluation flags given on the command line."""
    from vae_tf.training.run_dir import load_config
    run_dir = FLAGS.run_dir or config_from_flags().run_dir
    flag = "--run_dir" if FLAGS.run_dir else "the training flags"
    saved = load_config(run_dir)
    if saved is None:
        raise ConfigError("run_dir", f"{run_dir} (from {flag}) holds no vae_tf run: "
                                     "no config.json there")
    given = {name: flag_value(name) for name in EVAL_OVERRIDES if FLAGS[name].present}
    return dataclasses.replace(saved, **given)


def _quiet_logging():
    """absl logs warnings only, unless --verbosity is given."""
    if not FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)


def print_line(line):
    """Progress output: one line, flushed at once so that run.log and nohup show it live."""
    print(line, flush=True)


def make_figures():
    """``--mode=figures``: every figure of the runs under --checkpoint_dir."""
    from vae_tf.figures import make_figures as make
    _quiet_logging()
    try:
        make(FLAGS.checkpoint_dir, FLAGS.figure_dir, FLAGS.heat_map_start,
             print_fn=print_line, latent=FLAGS.latent_figures)
    except ConfigError as e:
        fail(str(e))


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _memory_bytes():
    """This machine's physical memory in bytes, or None where it cannot be read."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_training_inputs(config):
    """Refuse, before TensorFlow loads, the training settings that cannot work here."""
    problem = config.strategy == "multi_worker" and tf_config_error()
    if problem:
        raise ConfigError("strategy", f"multi_worker needs a cluster: {problem}")
    memory = _memory_bytes()
    if memory and config.stream_bytes > memory:
        shape = "x".join(map(str, config.image_shape))
        raise ConfigError("batch_size", (
            f"{config.batch_size} images of {shape} need at least "
            f"{config.stream_bytes / 2**30:.1f} GiB of memory ({PREFETCH_BATCHES + 2} float32 "
            f"batches in the input stream), more than this machine's {memory / 2**30:.1f} GiB"))


def prepare(config, print_fn):
    """The checks and writes of ``--mode=train`` / ``eval`` before TensorFlow loads; returns the
    run directory's lock (None for a worker of a cluster that does not write it)."""
    if config.dataset in tfds_sources.DATASETS:
        tfds_sources.check_available(config.dataset, config.data_dir or None,
                                     config.manual_dir or None)
    if config.dataset == "image_folder":
        image_folder.check(config)
    if FLAGS.mode == "eval":
        return run_lock.acquire(config.run_dir, "main.py --mode=eval", print_fn)
    check_training_inputs(config)
    writer = config.strategy != "multi_worker" or is_chief()
    lock = run_lock.acquire(config.run_dir, "main.py --mode=train", print_fn) if writer else None
    try:
        from vae_tf.training.run_dir import prepare_run_dir
        prepare_run_dir(config, overwrite=FLAGS.overwrite)
    except ConfigError:
        run_lock.release(lock)
        raise
    print_fn(f"run directory: {os.path.abspath(config.run_dir)}")
    return lock


def main(argv):
    if len(argv) > 1:
        fail(f"unexpected arguments {' '.join(argv[1:])!r} (flags take the form --name=value)")
    if FLAGS.run_dir and FLAGS.mode != "eval":
        fail("--run_dir: only --mode=eval takes a run directory; training names it from "
             "--train_dir and the model flags")
    if FLAGS.mode == "figures":
        return make_figures()
    try:
        config = eval_config() if FLAGS.mode == "eval" else config_from_flags()
        if FLAGS.mode == "config":
            print(json.dumps({**config.to_dict(), "run_dir": config.run_dir}, sort_keys=True))
            return
        lock = prepare(config, print_line)
    except ConfigError as e:
        fail(str(e))
    except RunWriteError as e:
        fail(f"{e}; {last_good_checkpoint(config.run_dir)}", code=1)
    try:
        run(config, print_line)
    finally:
        run_lock.release(lock)


def run(config, print_fn):
    """Train or evaluate under the run directory's lock; errors end as one line."""
    # TensorFlow is imported only once the flags are known to be good.
    _quiet_logging()
    import_tensorflow()
    import tensorflow as tf
    from vae_tf.training.checkpoints import CheckpointError
    from vae_tf.training.evaluation import evaluate_run
    from vae_tf.training.train import NonFiniteLossError, train
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        (evaluate_run if FLAGS.mode == "eval" else train)(config, print_fn=print_fn)
        if FLAGS.mode == "train":
            print_fn(f"figures: python {sys.argv[0]} --mode=figures --checkpoint_dir="
                     f"{os.path.dirname(os.path.abspath(config.run_dir))}")
    except (ConfigError, CheckpointError) as e:  # data or checkpoints that cannot be read
        fail(str(e))
    except NonFiniteLossError as e:
        fail(str(e), code=1)
    except (RunWriteError, tf.errors.ResourceExhaustedError, OSError) as e:
        # A write that failed (TensorBoard's writer raises TensorFlow's own error).
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        fail(f"{message}; {last_good_checkpoint(config.run_dir)}", code=1)
    except KeyboardInterrupt:
        # The checkpoint is on disk. Leave at once: interpreter shutdown while the input
        # pipeline's generator thread is mid-call can crash (seen once as SIGSEGV).
        sys.stdout.flush()
        sys.stderr.flush()
        run_lock.release_all()
        os._exit(130)


if __name__ == "__main__":
    define_flags()
    app.run(main, flags_parser=parse_flags)
