"""Training speed of vae_tf beside a plain PyTorch eager twin of each model, in one run.

    python benchmarks/vs_pytorch.py                      # all five models, about 10 minutes
    python benchmarks/vs_pytorch.py --models conv all_conv --repeats 2
    python benchmarks/vs_pytorch.py --smoke              # seconds: one model, a few steps

Ours is ``vae_tf.training.train.train``, what ``main.py`` runs, with its default logging
(a console line, TensorBoard scalars and images every ``--log_every`` steps) and checkpoints.
The twin (``pip install -e ".[bench]"``) is the same architecture in plain PyTorch eager, with
the same initialisation scheme, loss (Bernoulli cross-entropy summed over pixels plus β·KL,
batch mean), Adam settings and batch size, fed by the same ``tf.data`` stream of the same data
set (each side pays for its batches alike); it logs its loss every ``--log_every`` steps and
saves its model and optimizer at the end, as ours does.

Seconds per step are the difference of a long and a short run divided by the extra steps, so
start-up (building, tracing, the first batches, the last save) cancels. Each run of ours is a
fresh Python process, as ``main.py`` is (so the twin's PyTorch threads never share its
process). The runs of the two
sides are interleaved (ours short, twin short, ours long, twin long, per repeat) so that a
shared machine's load falls on both alike; the median over ``--repeats`` counts. Prints
images/s of each side, the ratio, ours as a share of the CPU's peak FLOP/s (``--peak_gflops``),
and both sides' training loss at the first and last log, which must fall alike: neither side
is a straw man.

``--before`` adds a third side, ours as it was before the speed work of issue 20
(``--before_ref``, default the commit that added this script, before several steps per
compiled call and the fused Adam, vector KL tracker and written-out cross-entropy gradient):
the script checks that commit out into a temporary ``git worktree`` and times its ``train``
the same way (needs git and the repository's history).
"""

import argparse
import math
import os
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # as main.py

try:
    import torch
    from torch import nn
    from torch.nn import functional as F
except ImportError:  # the twin is optional: pip install -e ".[bench]"
    torch = None

from vae_tf.config import MODELS, TrainConfig  # noqa: E402
from vae_tf.models.architectures import (ALL_CONV_DECODER, ALL_CONV_ENCODER,  # noqa: E402
                                         BURGESS_DECODER, BURGESS_ENCODER, CONV_DECODER,
                                         CONV_ENCODER, CONV_INIT)

# The per-model flags of the original grid (as benchmarks/throughput.py); the paper models
# train on the re-rendered dSprites stream.
MODEL_FLAGS = {
    "fully_connected": {"hidden_size": 10, "lr": 5e-5, "weight_init": 0.01},
    "conv": {},
    "all_conv": {"hidden_size": 1},
    "fc_1200": {"dataset": "dsprites_rendered"},
    "burgess_conv": {"dataset": "dsprites_rendered"},
}
# Extra steps of the long run per model: about 10-20 s a side on the 2-core CPU.
EXTRA_STEPS = {"fully_connected": 400, "conv": 800, "all_conv": 800, "fc_1200": 200,
               "burgess_conv": 200}
# The last commit before the speed work (it added this script): --before times its train().
BEFORE_REF = "688d2bd"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEAK_GFLOPS = 157.0  # 2 Zen 3 cores at 2.45 GHz, AVX2 FMA, fp32 (docs: environment.md)


# ---------------------------------------------------------------------------- the twin

def _same_pad(kernel, stride):
    """PyTorch padding giving TensorFlow's SAME output size (``ceil(n / stride)``) for the
    even sizes of these models (the padding splits evenly instead of TF's extra row at the
    end: the same cost)."""
    return (kernel - stride + 1) // 2 if stride > 1 else (kernel - 1) // 2


class _Init:
    """The initialisers of ``vae_tf.models.architectures.LayerSettings``: the balls models'
    truncated normals (std 0.01 and bias 0.01 for convs, ``weight_init`` for dense layers,
    cut at two standard deviations as Keras' ``TruncatedNormal``), or Keras' defaults for the
    paper models (Glorot uniform, zero bias)."""

    def __init__(self, weight_init, keras_init):
        self.weight_init = weight_init
        self.keras_init = keras_init

    def __call__(self, layer, conv):
        if self.keras_init:
            receptive = layer.weight[0, 0].numel()
            fan_in, fan_out = layer.weight.shape[1] * receptive, layer.weight.shape[0] * receptive
            limit = math.sqrt(6.0 / (fan_in + fan_out))
            nn.init.uniform_(layer.weight, -limit, limit)
            nn.init.zeros_(layer.bias)
        else:
            std = CONV_INIT if conv else self.weight_init
            nn.init.trunc_normal_(layer.weight, std=std, a=-2 * std, b=2 * std)
            nn.init.constant_(layer.bias, std)
        return layer


class TwinVAE(nn.Module if torch else object):
    """One of the five architectures of ``vae_tf.models.architectures`` in PyTorch (NCHW)."""

    def __init__(self, model, image_shape, hidden_size, weight_init):
        super().__init__()
        height, width, channels = image_shape
        paper = model in ("fc_1200", "burgess_conv")
        self.act = F.relu if paper else F.elu
        init = _Init(weight_init, paper)
        self.model = model
        self.enc, self.dec, self.enc_linear, self.dec_linear = (nn.ModuleList() for _ in range(4))

        def conv(cin, cout, k, s):
            return init(nn.Conv2d(cin, cout, k, s, _same_pad(k, s)), True)

        def deconv(cin, cout, k, s):
            pad = _same_pad(k, s)
            extra = 2 * pad - k + s if s > 1 else 0  # output exactly stride * input
            return init(nn.ConvTranspose2d(cin, cout, k, s, pad, output_padding=extra), True)

        def dense(cin, cout):
            return init(nn.Linear(cin, cout), False)

        pixels = height * width * channels
        if model in ("fully_connected", "fc_1200"):
            self.enc_linear.extend([dense(pixels, 1200), dense(1200, 1200),
                                    dense(1200, 2 * hidden_size)])
            self.dec_linear.extend([dense(hidden_size, 1200), dense(1200, 1200),
                                    dense(1200, 1200), dense(1200, pixels)])
            self.map_shape = None
            return
        if model == "all_conv":
            cin = channels
            for f, k, s in ALL_CONV_ENCODER:
                self.enc.append(conv(cin, f, k, s))
                cin = f
            self.enc.append(conv(cin, 2 * hidden_size, 3, 2))  # linear: mean, logvar channels
            self.map_shape = (hidden_size, height // 8, width // 8)
            cin = hidden_size
            for f, k, s in ALL_CONV_DECODER:
                self.dec.append(deconv(cin, f, k, s))
                cin = f
            self.dec.append(deconv(cin, channels, 3, 2))
            return
        encoder, units, decoder, last = ((CONV_ENCODER, 128, CONV_DECODER, 3)
                                         if model == "conv" else
                                         (BURGESS_ENCODER, 256, BURGESS_DECODER, 4))
        cin, size = channels, height
        for f, k, s in encoder:
            self.enc.append(conv(cin, f, k, s))
            cin, size = f, size // s
        self.map_shape = (cin, size, size)
        flat = cin * size * size
        self.enc_linear.extend([dense(flat, units), dense(units, 2 * hidden_size)])
        self.dec_linear.extend([dense(hidden_size, units), dense(units, flat)])
        for f, k, s in decoder:
            self.dec.append(deconv(cin, f, k, s))
            cin = f
        self.dec.append(deconv(cin, channels, last, 2))

    def encode(self, x):
        h = x
        for layer in self.enc[:-1] if self.model == "all_conv" else self.enc:
            h = self.act(layer(h))
        if self.model == "all_conv":
            mean, logvar = self.enc[-1](h).chunk(2, dim=1)
            return mean.flatten(1), logvar.flatten(1)
        h = h.flatten(1)
        for layer in self.enc_linear[:-1]:
            h = self.act(layer(h))
        return self.enc_linear[-1](h).chunk(2, dim=1)

    def decode(self, z):
        h = z
        for layer in self.dec_linear:
            h = layer(h)
            if self.map_shape is not None or layer is not self.dec_linear[-1]:
                h = self.act(h)
        if self.map_shape is None:
            return h
        h = h.reshape((-1,) + self.map_shape)
        for layer in self.dec[:-1]:
            h = self.act(layer(h))
        return self.dec[-1](h)

    def forward(self, x):
        mean, logvar = self.encode(x)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        return self.decode(z).reshape(x.shape), mean, logvar


def twin_loss(net, x, beta):
    """Bernoulli cross-entropy summed over pixels plus ``beta`` times the KL summed over
    latents, both batch means (vae_tf's β-VAE loss)."""
    logits, mean, logvar = net(x)
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
    kl = 0.5 * (mean.square() + logvar.exp() - logvar - 1.0).sum() / x.shape[0]
    return recon + beta * kl


def twin_train(config, steps, run_dir):
    """Train the twin ``steps`` steps on ``config``'s stream, as main.py trains ours: returns
    ``(seconds, losses)``, the loss means of each ``config.log_every`` steps."""
    from vae_tf.data.sources import training_data

    start = time.perf_counter()
    torch.manual_seed(config.seed)
    net = TwinVAE(config.model, config.image_shape, config.hidden_size, config.weight_init)
    optimizer = torch.optim.Adam(net.parameters(), lr=config.lr, eps=1e-8)
    data, _ = training_data(config, seed=[config.seed, 0], print_fn=lambda line: None)
    batches = data.as_numpy_iterator()
    warnings.filterwarnings("ignore", "The given NumPy array is not writable")  # only read
    total, losses = torch.zeros(()), []
    for step in range(1, steps + 1):
        x = torch.from_numpy(next(batches)).permute(0, 3, 1, 2)  # NHWC -> NCHW
        loss = twin_loss(net, x, config.beta)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total += loss.detach()
        if step % config.log_every == 0:
            losses.append(total.item() / config.log_every)
            total.zero_()
    torch.save({"model": net.state_dict(), "optimizer": optimizer.state_dict()},
               os.path.join(run_dir, "twin.pt"))
    return time.perf_counter() - start, losses


def twin_threads(config, candidates, steps=10):
    """Set PyTorch's threads to the fastest of ``candidates`` for this model (timed on one
    random batch): with all cores on a busy machine its OpenMP barriers wait for descheduled
    threads (20x slower seen at load 10 on 2 cores); on idle cores the larger models gain from
    them. Returns the number chosen."""
    net = TwinVAE(config.model, config.image_shape, config.hidden_size, config.weight_init)
    optimizer = torch.optim.Adam(net.parameters(), lr=config.lr, eps=1e-8)
    shape = (config.batch_size, config.image_shape[2]) + tuple(config.image_shape[:2])
    x = (torch.rand(shape) > 0.9).float()
    seconds = {}
    for threads in candidates:
        torch.set_num_threads(threads)
        for step in range(steps + 2):
            if step == 2:
                start = time.perf_counter()
            loss = twin_loss(net, x, config.beta)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        seconds[threads] = time.perf_counter() - start
    best = min(seconds, key=seconds.get)
    torch.set_num_threads(best)
    return best


def training_flops(config):
    """FLOPs of one training image (forward and backward: 3 x 2 x the forward's
    multiply-adds) of the model's dense and conv layers, counted on the twin."""
    net = TwinVAE(config.model, config.image_shape, config.hidden_size, config.weight_init)
    macs = []

    def count(layer, inputs, output):
        if isinstance(layer, nn.Linear):
            macs.append(layer.in_features * layer.out_features)
        elif isinstance(layer, nn.Conv2d):
            macs.append(output[0].numel() * layer.weight[0].numel())
        elif isinstance(layer, nn.ConvTranspose2d):
            macs.append(inputs[0][0].numel() * layer.weight[0].numel())

    for layer in net.modules():
        layer.register_forward_hook(count)
    with torch.no_grad():
        net(torch.zeros((1,) + (config.image_shape[2],) + tuple(config.image_shape[:2])))
    return 6 * sum(macs)


# ---------------------------------------------------------------------------- ours

def ours_train(config):
    """Train vae_tf as main.py does: ``(seconds, losses)``, the logged training losses."""
    from vae_tf.training import train

    lines = []
    start = time.perf_counter()
    train.train(config, overwrite=True, print_fn=lines.append)
    seconds = time.perf_counter() - start
    losses = [float(line.split("  loss ")[1].split()[0]) for line in lines
              if line.startswith("step ") and "  loss " in line]
    return seconds, losses


class Trainer:
    """Runs :func:`ours_train` of the vae_tf in the source folder ``tree`` in a fresh Python
    process per run, as ``main.py`` runs: the twin's PyTorch threads, which live in this
    process, never share it, and each side starts alike."""

    def __init__(self, tree):
        self.tree = tree

    def train(self, config):
        """``(seconds, losses)`` of :func:`ours_train` on ``config``."""
        code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import vs_pytorch; "
                "from vae_tf.config import TrainConfig; "
                "print(json.dumps(vs_pytorch.ours_train(TrainConfig(**json.loads(sys.argv[2])))))")
        settings = {name: getattr(config, name) for name in
                    ("model", "batch_size", "max_step", "log_every", "train_dir", "dataset",
                     "hidden_size", "lr", "weight_init")}
        done = subprocess.run([sys.executable, "-c", code, os.path.dirname(__file__),
                               json.dumps(settings)], capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": self.tree})
        if done.returncode:
            sys.exit(f"training in {self.tree} failed: "
                     f"{(done.stderr.strip().splitlines() or ['no message'])[-1]}")
        seconds, losses = json.loads(done.stdout.strip().splitlines()[-1])
        return seconds, losses


def checkout(ref):
    """A temporary git worktree of this repository at ``ref`` (its path)."""
    path = tempfile.mkdtemp(prefix="vae_tf_before_")
    done = subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", path, ref],
                          capture_output=True, text=True)
    if done.returncode:
        shutil.rmtree(path, ignore_errors=True)
        sys.exit(f"--before_ref {ref}: cannot check it out ({done.stderr.strip()})")
    return path


def remove_checkout(path):
    subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", path],
                   capture_output=True)
    shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------------------- the table

def measure(model, args, root, trainers):
    """Median s/step of ours and the twin (long minus short run), and the losses of the last
    long runs."""
    short, extra = args.short_steps, args.extra_steps or EXTRA_STEPS[model]
    sides = ("ours", "twin") + (("before",) if "before" in trainers else ())
    times = {side: [] for side in sides}
    losses = {}
    threads = None
    for repeat in range(args.repeats):
        runs = {}
        for steps in (short, short + extra):
            config = TrainConfig(model=model, batch_size=args.batch_size, max_step=steps,
                                 log_every=args.log_every, train_dir=f"{root}/{model}_{steps}",
                                 **MODEL_FLAGS[model])
            if threads is None:
                threads = twin_threads(config, args.twin_threads)
            runs["ours", steps], losses["ours"] = trainers["ours"].train(config)
            os.makedirs(config.run_dir, exist_ok=True)
            runs["twin", steps], losses["twin"] = twin_train(config, steps, config.run_dir)
            if "before" in trainers:
                runs["before", steps], losses["before"] = trainers["before"].train(config)
        for side in times:
            times[side].append((runs[side, short + extra] - runs[side, short]) / extra)
    return ({side: statistics.median(values) for side, values in times.items()}, losses,
            config, threads)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--batch_size", type=int, default=128)
    parser.add_argument("--log_every", type=int, default=TrainConfig().log_every)
    parser.add_argument("--short_steps", type=int, default=100,
                        help="steps of the short run (a multiple of --log_every)")
    parser.add_argument("--extra_steps", type=int, default=0,
                        help="extra steps of the long run (default: per model, about 10-20 s)")
    parser.add_argument("--repeats", type=int, default=1, help="long/short pairs per side")
    parser.add_argument("--peak_gflops", type=float, default=PEAK_GFLOPS)
    parser.add_argument("--twin_threads", type=int, nargs="+",
                        help="PyTorch thread counts to try per model; the fastest counts "
                             "(default: 1 and all cores)")
    parser.add_argument("--before", action="store_true",
                        help="also time ours as it was before the speed work (--before_ref)")
    parser.add_argument("--before_ref", default=BEFORE_REF,
                        help="the git commit --before times (default: before issue 20's work)")
    parser.add_argument("--smoke", action="store_true",
                        help="seconds: conv only, 10 and 20 steps, logging every 10")
    args = parser.parse_args()
    if torch is None:
        sys.exit("the twin needs PyTorch: pip install -e \".[bench]\" (CPU wheel: pip install "
                 "torch --index-url https://download.pytorch.org/whl/cpu)")
    if args.smoke:
        args.models, args.log_every, args.short_steps, args.extra_steps = ["conv"], 10, 10, 10
    args.twin_threads = args.twin_threads or sorted({1, torch.get_num_threads()})
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"batch {args.batch_size}, main.py defaults (log every {args.log_every} steps, "
          f"TensorBoard, checkpoints); torch {torch.__version__} with the fastest of "
          f"{args.twin_threads} threads per model; load {load:.1f} on {os.cpu_count()} cores "
          "at the start", flush=True)
    header = (f"| model | ours ms/step | twin ms/step (threads) | ours img/s | twin img/s | "
              f"ours/twin | ours % of {args.peak_gflops:.0f} GFLOP/s | "
              "loss first log (ours / twin) | loss last log (ours / twin) |"
              + (f" before ({args.before_ref}) ms/step | before/twin |" if args.before
                 else ""))
    rows = []
    before = checkout(args.before_ref) if args.before else None
    trainers = {"ours": Trainer(ROOT), **({"before": Trainer(before)} if before else {})}
    try:
        with tempfile.TemporaryDirectory(prefix="vs_pytorch_") as root:
            # Untimed: this process's one-time costs (imports, first steps) of the twin.
            warm = TrainConfig(model=args.models[0], batch_size=args.batch_size, max_step=2,
                               log_every=1, train_dir=f"{root}/warm", **MODEL_FLAGS[args.models[0]])
            os.makedirs(warm.run_dir)
            twin_train(warm, 2, warm.run_dir)
            for model in args.models:
                seconds, losses, config, threads = measure(model, args, root, trainers)
                ours, twin = (args.batch_size / seconds[side] for side in ("ours", "twin"))
                peak = 100 * ours * training_flops(config) / (args.peak_gflops * 1e9)
                rows.append(f"| `{model}` | {1e3 * seconds['ours']:.1f} | "
                            f"{1e3 * seconds['twin']:.1f} ({threads}) | {ours:.0f} | {twin:.0f} | "
                            f"{ours / twin:.2f} | {peak:.0f} % | "
                            f"{losses['ours'][0]:.1f} / {losses['twin'][0]:.1f} | "
                            f"{losses['ours'][-1]:.1f} / {losses['twin'][-1]:.1f} |")
                if args.before:
                    rows[-1] += (f" {1e3 * seconds['before']:.1f} | "
                                 f"{seconds['twin'] / seconds['before']:.2f} |")
                print(rows[-1], flush=True)
    finally:
        if before:
            remove_checkout(before)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nload {load:.1f} at the end\n")
    print("\n".join([header, "|" + "---|" * header.count(" | ") + "---|"] + rows))


if __name__ == "__main__":
    main()
