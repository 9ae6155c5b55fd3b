"""The resolved settings of one training run, independent of absl and of TensorFlow.

Field names are the flag names of ``main.py``, so an error can name the flag to fix and a run
directory's ``config.json`` / ``flags.txt`` reproduce the run. This module imports neither
TensorFlow nor absl: ``main.py`` validates the flags before the slow TensorFlow import.
"""

import dataclasses
import json
import math

MODELS = ("fully_connected", "conv", "all_conv")
RECONSTRUCTION_LOSSES = ("ce", "mse", "ad")
BATCH_MODES = ("iid", "trajectory")
JIT_CHOICES = ("auto", "on", "off")
# Settings that may change when a run is resumed: they do not change what the run learns.
RESUMABLE_CHANGES = ("max_step", "log_every", "save_every", "jit_compile")


class ConfigError(ValueError):
    """A setting is unusable. ``flag`` names the offending setting (flag) name."""

    def __init__(self, flag, message):
        super().__init__(f"--{flag}: {message}")
        self.flag = flag


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Settings of a balls training run; defaults are the original repository's."""

    train_dir: str = "./checkpoints/train_store"
    model: str = "conv"
    hidden_size: int = 32
    max_step: int = 100000
    keep_prob: float = 1.0
    beta: float = 0.1
    lr: float = 0.001
    batch_size: int = 128
    weight_init: float = 0.1
    weight_decay: float = 0.0
    friction: bool = False
    num_balls: int = 1
    recon_loss: str = "ce"
    kl_warmup_steps: int = 0
    batch_mode: str = "iid"
    seed: int = 0
    log_every: int = 100
    save_every: int = 1000
    jit_compile: str = "auto"

    def __post_init__(self):
        choices = {"model": MODELS, "recon_loss": RECONSTRUCTION_LOSSES,
                   "batch_mode": BATCH_MODES, "jit_compile": JIT_CHOICES}
        for name, allowed in choices.items():
            value = getattr(self, name)
            if value not in allowed:
                raise ConfigError(name, f"expected one of {', '.join(allowed)}, got {value!r}")
        minimum = {"hidden_size": 1, "batch_size": 1, "num_balls": 1, "max_step": 0,
                   "kl_warmup_steps": 0, "log_every": 1, "save_every": 1, "seed": 0}
        for name, low in minimum.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ConfigError(name, f"expected an integer >= {low}, got {value!r}")
        for name in ("beta", "weight_decay"):
            if not _finite(getattr(self, name)) or getattr(self, name) < 0:
                raise ConfigError(name, f"expected a number >= 0, got {getattr(self, name)!r}")
        for name in ("lr", "weight_init"):
            if not _finite(getattr(self, name)) or getattr(self, name) <= 0:
                raise ConfigError(name, f"expected a number > 0, got {getattr(self, name)!r}")
        if not _finite(self.keep_prob) or not 0 < self.keep_prob <= 1:
            raise ConfigError("keep_prob", f"expected a number in (0, 1], got {self.keep_prob!r}")
        if not self.train_dir:
            raise ConfigError("train_dir", "expected a directory path, got an empty string")

    @property
    def run_dir(self):
        """The original's run directory: ``<train_dir>_model_<m>_num_balls_<n>_beta_<b>``."""
        return f"{self.train_dir}_model_{self.model}_num_balls_{self.num_balls}_beta_{self.beta}"

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values):
        """Build from a dict, ignoring keys this version does not know."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    def to_json(self):
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def to_flagfile(self):
        """absl flagfile text: ``python main.py --flagfile=FILE`` reruns this configuration."""
        lines = []
        for name, value in self.to_dict().items():
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
