"""The resolved settings of one training run, independent of absl and of TensorFlow.

Field names are the flag names of ``main.py``, so an error can name the flag to fix and a run
directory's ``config.json`` / ``flags.txt`` reproduce the run. This module imports neither
TensorFlow nor absl: ``main.py`` validates the flags before the slow TensorFlow import.
"""

import dataclasses
import json
import math

from vae_tf.data.balls import MAX_BALLS

MODELS = ("fully_connected", "conv", "all_conv", "fc_1200", "burgess_conv")
DATASETS = ("balls", "dsprites", "dsprites_rendered", "mnist", "celeb_a", "image_folder",
            "shapes3d", "smallnorb")
RECONSTRUCTION_LOSSES = ("ce", "mse", "ad")
OBJECTIVES = ("beta", "annealed", "nonsyn", "factor", "tcvae", "dip_vae_i", "dip_vae_ii")
# The hyperparameters each objective owns, with their defaults: β the original balls main.py's
# 0.1; capacity annealing Burgess et al.'s γ 1000 and C_max 25 nats over 100,000 steps; the
# Non-Synergistic VAE Gonzalob90's README (α 5, ω 0.9) on the plain ELBO (β 1); FactorVAE
# 1Konny's and Gonzalob90's γ 6.4 (disentanglement_lib's study sweeps 10-100) and discriminator
# learning rate; β-TCVAE Chen et al.'s β 6 (the study sweeps 1-10); DIP-VAE (Kumar et al.) λ_od
# 10, in disentanglement_lib's study sweep {1, 2, 5, 10, 20, 50}, with the study's λ_d = 10 λ_od
# (I) or λ_od (II) (LAMBDA_D_PER_LAMBDA_OD: λ_d follows a given λ_od unless given itself). A
# setting an objective does not own stays None and is refused when given.
OBJECTIVE_SETTINGS = {
    "beta": {"beta": 0.1},
    "annealed": {"gamma": 1000.0, "c_max": 25.0, "c_steps": 100000},
    "nonsyn": {"beta": 1.0, "alpha": 5.0, "omega": 0.9},
    "factor": {"gamma": 6.4, "disc_lr": 1e-4},
    "tcvae": {"beta": 6.0},
    "dip_vae_i": {"lambda_od": 10.0, "lambda_d": None},
    "dip_vae_ii": {"lambda_od": 10.0, "lambda_d": None},
}
LAMBDA_D_PER_LAMBDA_OD = {"dip_vae_i": 10.0, "dip_vae_ii": 1.0}
OBJECTIVE_FLAGS = ("beta", "gamma", "c_max", "c_steps", "alpha", "omega", "disc_lr", "lambda_od",
                   "lambda_d")
WEIGHT_SYMBOLS = {"beta": "β", "gamma": "γ", "c_max": "C_max", "lambda_od": "λ_od",
                  "lambda_d": "λ_d"}
BATCH_MODES = ("iid", "trajectory")
JIT_CHOICES = ("auto", "on", "off")
# tf.distribute strategies (vae_tf.training.distribution.make_strategy) and Keras precision
# policies a run can train under.
STRATEGIES = ("auto", "one_device", "mirrored", "multi_worker")
PRECISIONS = ("off", "mixed_float16", "mixed_bfloat16")
# Batches the training stream prefetches (vae_tf.data.pipeline).
PREFETCH_BATCHES = 8
# Fewest points a scaled-down evaluation may use (the classifiers need a few per class).
MIN_METRIC_POINTS = 100
# The disentanglement metrics (vae_tf.metrics) --metrics computes by default, in the order they
# run and print.
METRIC_NAMES = ("beta_vae", "factor_vae", "mig", "dci", "sap")
# All metrics --metrics accepts: the default ones (METRIC_NAMES), then modularity and
# explicitness, IRS and the unsupervised scores (issue 18).
ALL_METRIC_NAMES = METRIC_NAMES + ("modularity", "irs", "unsupervised")
# What the metrics score: the posterior mean (disentanglement_lib's default) or one sample of
# the posterior per observation.
REPRESENTATIONS = ("mean", "sampled")
# DCI's boosted trees (vae_tf.metrics.dci.DCI_BACKENDS): the reference's or the fast one.
DCI_BACKENDS = ("sklearn", "lightgbm")
# Settings of the evaluation only: a run may be scored again with other values.
EVALUATION_SETTINGS = ("metrics", "metric_points", "representation", "dci_backend")
# Settings that may change when a run is resumed: they do not change what the run learns.
RESUMABLE_CHANGES = ("max_step", "log_every", "image_every", "save_every", "jit_compile",
                     "data_dir", "manual_dir", "eval_every", "strategy", "keep_checkpoints",
                     "exclude_label") + EVALUATION_SETTINGS
# ``--dataset=image_folder``: how each image becomes a square of ``--image_size`` (the whole
# image squeezed, or its central square), and the data sets whose images carry labels
# (``--exclude_label``, the latent maps' colours).
IMAGE_FITS = ("resize", "crop")
LABELLED_DATASETS = ("mnist", "image_folder")

# The images each data set feeds a model (CelebA: the 64x64 centre crop).
DATASET_SHAPES = {"balls": (32, 32, 1), "dsprites": (64, 64, 1), "dsprites_rendered": (64, 64, 1),
                  "mnist": (28, 28, 1), "celeb_a": (64, 64, 3),
                  # smallNORB's 96x96 images resized to 64x64 as in disentanglement_lib.
                  "shapes3d": (64, 64, 3), "smallnorb": (64, 64, 1)}
# Reconstruction term of ``--recon_loss=auto``: Bernoulli for binary-ish images, Gaussian (MSE)
# for natural colour images.
DEFAULT_RECON_LOSS = {"celeb_a": "mse"}
# Latent size when ``hidden_size`` is not given: the original balls default (32), or the 10
# latents of the dSprites papers for their models.
DEFAULT_HIDDEN_SIZE = {"fc_1200": 10, "burgess_conv": 10}
# Image sides a model accepts: a multiple of SIDE_MULTIPLE, or exactly FIXED_SIDE.
SIDE_MULTIPLE = {"fully_connected": 1, "conv": 4, "all_conv": 8, "fc_1200": 1}
FIXED_SIDE = {"burgess_conv": 64}
# Data sets whose images are fitted to the model (MNIST: padded to the next accepted multiple,
# or resized to a fixed side) instead of refused.
FITTED_DATASETS = ("mnist",)


def image_shape_error(model, shape):
    """Why ``model`` cannot take ``[H, W, C]`` images (a phrase), or None if it can."""
    height, width = shape[:2]
    if model in FIXED_SIDE:
        side = FIXED_SIDE[model]
        if (height, width) != (side, side):
            return f"needs {side}x{side} images, got {height}x{width}"
    elif height % SIDE_MULTIPLE[model] or width % SIDE_MULTIPLE[model]:
        return f"needs image sides divisible by {SIDE_MULTIPLE[model]}, got {height}x{width}"
    return None


def input_shape(dataset, model, native=None):
    """``(shape, fit)``: the image shape ``model`` trains on for ``dataset``, and how the data
    set's images get there: None (as they are), ``"pad"`` (zero padding around the centre) or
    ``"resize"``. ``native``: the data set's image shape when it is not fixed
    (:data:`DATASET_SHAPES`; image folders). Raises ConfigError naming ``--model`` when the
    sizes do not fit."""
    native = native or DATASET_SHAPES[dataset]
    problem = image_shape_error(model, native)
    if problem is None:
        return native, None
    if dataset in FITTED_DATASETS:
        if model in FIXED_SIDE:
            side = FIXED_SIDE[model]
            return (side, side, native[2]), "resize"
        multiple = SIDE_MULTIPLE[model]
        side = -(-max(native[:2]) // multiple) * multiple
        return (side, side, native[2]), "pad"
    raise ConfigError("model", f"{model} {problem} (--dataset={dataset}); choose a model from "
                      f"{', '.join(m for m in MODELS if not image_shape_error(m, native))}")


class ConfigError(ValueError):
    """A setting is unusable. ``flag`` names the offending setting (flag) name; the message
    starts with ``--<flag>:``, or with ``subject`` (what is missing, say a data set) if given."""

    def __init__(self, flag, message, subject=None):
        super().__init__(f"{subject or '--' + flag}: {message}")
        self.flag = flag


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Settings of a training run; defaults are the original balls repository's."""

    train_dir: str = "./checkpoints/train_store"
    dataset: str = "balls"
    data_dir: str = ""
    manual_dir: str = ""
    model: str = "conv"
    hidden_size: int = None
    max_step: int = 100000
    keep_prob: float = 1.0
    beta: float = None
    lr: float = 0.001
    batch_size: int = 128
    weight_init: float = 0.1
    weight_decay: float = 0.0
    friction: bool = False
    num_balls: int = 1
    recon_loss: str = "auto"
    kl_warmup_steps: int = 0
    objective: str = "beta"
    gamma: float = None
    c_max: float = None
    c_steps: int = None
    alpha: float = None
    omega: float = None
    disc_lr: float = None
    lambda_od: float = None
    lambda_d: float = None
    batch_mode: str = "iid"
    seed: int = 0
    log_every: int = 100
    image_every: int = 1000
    save_every: int = 1000
    jit_compile: str = "auto"
    eval_every: int = 0
    metrics: str = ",".join(METRIC_NAMES)
    metric_points: int = 0
    representation: str = "mean"
    dci_backend: str = "sklearn"
    strategy: str = "auto"
    mixed_precision: str = "off"
    image_dir: str = ""
    image_size: int = 64
    image_fit: str = "resize"
    image_channels: int = 1
    exclude_label: int = None
    keep_checkpoints: int = 3
    deterministic: bool = False

    def __post_init__(self):
        if isinstance(self.train_dir, str) and len(self.train_dir) > 1:
            # "runs/" names the same run directories as "runs", not "runs/_model_...".
            object.__setattr__(self, "train_dir", self.train_dir.rstrip("/") or "/")
        if self.hidden_size is None:
            object.__setattr__(self, "hidden_size", DEFAULT_HIDDEN_SIZE.get(self.model, 32))
        if self.recon_loss == "auto":
            object.__setattr__(self, "recon_loss", DEFAULT_RECON_LOSS.get(self.dataset, "ce"))
        choices = {"dataset": DATASETS, "model": MODELS, "recon_loss": RECONSTRUCTION_LOSSES,
                   "objective": OBJECTIVES,
                   "batch_mode": BATCH_MODES, "jit_compile": JIT_CHOICES,
                   "strategy": STRATEGIES, "mixed_precision": PRECISIONS,
                   "representation": REPRESENTATIONS, "dci_backend": DCI_BACKENDS,
                   "image_fit": IMAGE_FITS}
        for name, allowed in choices.items():
            value = getattr(self, name)
            if value not in allowed:
                raise ConfigError(name, f"expected one of {', '.join(allowed)}, got {value!r}")
        self._resolve_objective_settings()
        minimum = {"hidden_size": 1, "batch_size": 1, "num_balls": 1, "max_step": 0,
                   "kl_warmup_steps": 0, "log_every": 1, "image_every": 1, "save_every": 1,
                   "seed": 0, "c_steps": 0, "eval_every": 0, "metric_points": 0, "image_size": 4,
                   "keep_checkpoints": 1}
        for name, low in minimum.items():
            value = getattr(self, name)
            if value is None and name in OBJECTIVE_FLAGS:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ConfigError(name, f"expected an integer >= {low}, got {value!r}")
        for name in ("beta", "weight_decay", "gamma", "c_max", "alpha", "lambda_od", "lambda_d"):
            value = getattr(self, name)
            if value is not None and (not _finite(value) or value < 0):
                raise ConfigError(name, f"expected a number >= 0, got {value!r}")
        for name in ("lr", "weight_init", "disc_lr"):
            value = getattr(self, name)
            if value is not None and (not _finite(value) or value <= 0):
                raise ConfigError(name, f"expected a number > 0, got {value!r}")
        if not _finite(self.keep_prob) or not 0 < self.keep_prob <= 1:
            raise ConfigError("keep_prob", f"expected a number in (0, 1], got {self.keep_prob!r}")
        if self.omega is not None and (not _finite(self.omega) or not 0 < self.omega <= 1):
            raise ConfigError("omega", f"expected a number in (0, 1], got {self.omega!r}")
        if self.objective == "tcvae" and self.beta < 1:
            raise ConfigError("beta", f"β-TCVAE adds (β - 1) x the total correlation to the KL, "
                              f"so β < 1 (got {self.beta}) rewards correlated latents; use "
                              "β >= 1 (Chen et al.: 6; the study sweeps 1-10)")
        if self.num_balls > MAX_BALLS:
            raise ConfigError("num_balls", f"expected at most {MAX_BALLS}, got "
                              f"{self.num_balls}: start positions are drawn until no two balls "
                              f"overlap, and beyond {MAX_BALLS} balls fewer than 1 draw in "
                              "10,000 succeeds (vae_tf.data.balls.MAX_BALLS)")
        if self.kl_warmup_steps and self.objective != "beta":
            raise ConfigError("kl_warmup_steps", f"the KL warm-up belongs to --objective=beta, "
                              f"not {self.objective}; leave it at 0")
        unknown = [name for name in self.metric_names if name not in ALL_METRIC_NAMES]
        if unknown or not self.metric_names:
            raise ConfigError("metrics", f"expected a comma-separated list of "
                              f"{', '.join(ALL_METRIC_NAMES)}, got {self.metrics!r}")
        if 0 < self.metric_points < MIN_METRIC_POINTS:
            raise ConfigError("metric_points", f"expected 0 (the standard sizes) or at least "
                              f"{MIN_METRIC_POINTS}, got {self.metric_points}")
        if not self.train_dir:
            raise ConfigError("train_dir", "expected a directory path, got an empty string")
        self._check_image_settings()
        input_shape(self.dataset, self.model, self.native_shape)

    def _check_image_settings(self):
        """``--image_dir`` for image folders, ``--exclude_label`` on labelled data, and
        ``--deterministic`` as the plain autoencoder it stands for (β = 0)."""
        if self.dataset == "image_folder" and not self.image_dir:
            raise ConfigError("image_dir", "--dataset=image_folder reads its images from "
                              "--image_dir=PATH (a folder of PNG/JPEG files); none given")
        if self.image_channels not in (1, 3):
            raise ConfigError("image_channels", f"expected 1 (greyscale) or 3 (colour), got "
                              f"{self.image_channels!r}")
        if self.exclude_label is not None:
            if self.dataset not in LABELLED_DATASETS:
                raise ConfigError("exclude_label", f"--dataset={self.dataset} has no labels; "
                                  f"only {' and '.join(LABELLED_DATASETS)} have")
            if isinstance(self.exclude_label, bool) or not isinstance(self.exclude_label, int) \
                    or self.exclude_label < 0:
                raise ConfigError("exclude_label", f"expected a label >= 0, got "
                                  f"{self.exclude_label!r}")
        if self.deterministic and (self.objective != "beta" or self.beta != 0):
            raise ConfigError("deterministic", "a plain autoencoder (z = the encoder's mean) has "
                              "no KL term: use it with --objective=beta --beta=0")

    @property
    def native_shape(self):
        """The data set's own image shape (image folders: ``--image_size`` squares of
        ``--image_channels``)."""
        if self.dataset == "image_folder":
            return (self.image_size, self.image_size, self.image_channels)
        return DATASET_SHAPES[self.dataset]

    def _resolve_objective_settings(self):
        """The objective's own settings get their defaults; a setting given that belongs to
        another objective is refused (ConfigError naming it and its owners)."""
        owned = OBJECTIVE_SETTINGS[self.objective]
        for name in OBJECTIVE_FLAGS:
            value = getattr(self, name)
            if name in owned:
                if value is None:
                    object.__setattr__(self, name, owned[name])
            elif value is not None:
                owners = [o for o, settings in OBJECTIVE_SETTINGS.items() if name in settings]
                raise ConfigError(name, f"belongs to --objective={' or '.join(owners)}, not "
                                  f"{self.objective}; leave it out")
        if self.objective in LAMBDA_D_PER_LAMBDA_OD and self.lambda_d is None \
                and _finite(self.lambda_od):
            object.__setattr__(self, "lambda_d",
                               LAMBDA_D_PER_LAMBDA_OD[self.objective] * self.lambda_od)

    def _weights(self):
        """``(setting, value)`` of the weights that tell the objective's runs apart: β, or γ
        (factor), or γ and C_max (annealed), or λ_od (DIP-VAE; and λ_d when it is not the
        objective's multiple of λ_od)."""
        if self.objective in LAMBDA_D_PER_LAMBDA_OD:
            implied = LAMBDA_D_PER_LAMBDA_OD[self.objective] * self.lambda_od
            return [("lambda_od", self.lambda_od)] + (
                [] if self.lambda_d == implied else [("lambda_d", self.lambda_d)])
        if self.objective == "factor":
            return [("gamma", self.gamma)]
        if self.objective == "annealed":
            return [("gamma", self.gamma), ("c_max", self.c_max)]
        return [("beta", self.beta)]

    @property
    def objective_weights(self):
        """The objective's weights as a run-name part: ``beta_<b>``, ``gamma_<g>`` (factor) or
        ``gamma_<g>_c_max_<c>`` (annealed)."""
        return "_".join(f"{name}_{value}" for name, value in self._weights())

    @property
    def objective_label(self):
        """The objective's weights for titles and console lines: ``β = 0.1``, ``γ = 6.4``..."""
        return ", ".join(f"{WEIGHT_SYMBOLS[name]} = {value}" for name, value in self._weights())

    @property
    def stream_bytes(self):
        """Host memory the training stream needs at the least: its prefetched batches, the one
        being made and the one training, as float32 images (the model's own memory comes on
        top)."""
        return (PREFETCH_BATCHES + 2) * self.batch_size * math.prod(self.image_shape) * 4

    @property
    def metric_names(self):
        """``metrics`` as a tuple of metric names."""
        return tuple(name.strip() for name in self.metrics.split(",") if name.strip())

    @property
    def image_shape(self):
        """Shape of the images the model trains on."""
        return input_shape(self.dataset, self.model, self.native_shape)[0]

    @property
    def run_dir(self):
        """The original's run directory, ``<train_dir>_model_<m>_num_balls_<n>_beta_<b>``; for
        other data sets ``<train_dir>_dataset_<name>_model_<m>_beta_<b>``. Objectives without
        β name their own weights instead (:attr:`objective_weights`); any objective but
        ``beta`` adds ``_objective_<o>``, a plain autoencoder ``_deterministic``."""
        suffix = "" if self.objective == "beta" else f"_objective_{self.objective}"
        suffix += "_deterministic" if self.deterministic else ""
        if self.dataset == "balls":
            return (f"{self.train_dir}_model_{self.model}_num_balls_{self.num_balls}"
                    f"_{self.objective_weights}{suffix}")
        return (f"{self.train_dir}_dataset_{self.dataset}_model_{self.model}_"
                f"{self.objective_weights}{suffix}")

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values):
        """Build from a dict (a saved config.json), ignoring keys this version does not know
        and objective settings the run's objective does not own (older versions saved them
        all)."""
        owned = OBJECTIVE_SETTINGS.get(values.get("objective", "beta"), {})
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items()
                      if k in known and (k not in OBJECTIVE_FLAGS or k in owned)})

    def to_json(self):
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def to_flagfile(self):
        """absl flagfile text: ``python main.py --flagfile=FILE`` reruns this configuration."""
        lines = []
        for name, value in self.to_dict().items():
            if value is None:  # a setting the objective does not own
                continue
            lines.append(f"--{name}" if value is True else
                         f"--no{name}" if value is False else f"--{name}={value}")
        return "\n".join(lines) + "\n"

    def first_difference(self, other):
        """Name of the first learning-relevant setting in which ``other`` differs, or None."""
        for field in dataclasses.fields(self):
            if field.name in RESUMABLE_CHANGES:
                continue
            if getattr(self, field.name) != getattr(other, field.name):
                return field.name
        return None


def _finite(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
