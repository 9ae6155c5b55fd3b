"""main.py end to end: flags, outputs, resuming, errors. Start-up output, signals and the
one-line errors before TensorFlow in subprocesses; the commands that follow a first run, and the
runs a test only starts from, in this process (no second TensorFlow start-up)."""

import os
import re
import signal
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The smallest model keeps these runs to seconds.
FAST = ["--model=all_conv", "--hidden_size=1", "--batch_size=32", "--log_every=10"]


def main_py(*args, timeout=300):
    return subprocess.run([sys.executable, os.path.join(ROOT, "main.py"), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def train_in_process(tmp_path, print_fn=lambda line: None, **settings):
    """The run ``main.py *FAST --train_dir=<tmp_path>/run`` makes, trained in this process
    (no TensorFlow start-up) for tests of what a later command does with it; its config."""
    from vae_tf.config import TrainConfig
    from vae_tf.training.train import train

    config = TrainConfig(train_dir=f"{tmp_path}/run", model="all_conv", hidden_size=1,
                         batch_size=32, log_every=10, **settings)
    train(config, print_fn=print_fn)
    return config


def latest_step(run_dir):
    """Step of the checkpoint named in run_dir/checkpoint, or None."""
    path = os.path.join(run_dir, "checkpoint")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        first = f.readline()  # model_checkpoint_path: "ckpt-20"
    return int(first.rsplit("-", 1)[1].strip().strip('"'))


def tensorboard_tags(run_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(run_dir)
    events.Reload()
    return set(events.Tags()["tensors"])


@pytest.mark.parametrize("flag, message", [
    ("--model=resnet", "--model"),
    ("--recon_loss=l3", "--recon_loss"),
    ("--beta=-1", "--beta"),
    ("--num_balls=0", "--num_balls"),
    ("--batch_size=0", "--batch_size"),
    ("--hidden_size=0", "--hidden_size"),
    ("--lr=0", "--lr"),
    ("--lr=-0.1", "--lr"),
    ("--max_step=-1", "--max_step"),
    ("--keep_prob=1.5", "--keep_prob"),
    ("--batch_mode=shuffled", "--batch_mode"),
    ("--train_dir=" + os.path.join(ROOT, "setup.py", "runs"), "--train_dir"),
    ("--no_such_flag=1", "no_such_flag"),
    ("--dataset=svhn", "--dataset"),
    ("--objective=vq", "--objective"),
    ("--objective=annealed --c_steps=-1", "--c_steps"),
    ("--objective=nonsyn --omega=0", "--omega"),
    ("--objective=factor --disc_lr=0", "--disc_lr"),
    ("--objective=factor --kl_warmup_steps=100", "--kl_warmup_steps"),
    ("--model=burgess_conv", "--model: burgess_conv needs 64x64 images, got 32x32"),
])
def test_bad_flags_exit_2_with_one_line(flag, message):
    result = main_py(*flag.split())
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("dataset, missing", [
    ("dsprites", "dsprites_ndarray_co1sh3sc6or40x32y32_64x64.hdf5"),
    ("mnist", "t10k-labels-idx1-ubyte.gz"),
    ("celeb_a", "img_align_celeba.zip"),
    ("shapes3d", "3dshapes.h5"),
    ("smallnorb", "smallnorb-5x01235x9x18x6x2x96x96-testing-info.mat.gz"),
])
def test_missing_tfds_files_exit_2_saying_where_to_put_them(dataset, missing, tmp_path):
    result = main_py(f"--dataset={dataset}", "--model=burgess_conv",
                     f"--train_dir={tmp_path}/run", f"--data_dir={tmp_path}/tfds")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    line, = result.stderr.strip().splitlines()
    assert line.startswith(f"main.py: error: {dataset}: ")  # what is missing, not a flag
    assert missing in line and f"not found in {tmp_path}/tfds/downloads/manual" in line
    assert os.listdir(tmp_path) == ["tfds"] or not os.listdir(tmp_path)  # no run directory


@pytest.fixture
def parse():
    """Parse main.py's flags in-process (no TensorFlow): argv -> TrainConfig."""
    sys.path.insert(0, ROOT)
    import main
    from absl import flags

    if "model" not in flags.FLAGS:
        main.define_flags()

    def parse_argv(*args):
        flags.FLAGS.unparse_flags()
        flags.FLAGS(["main.py", *args])
        return main.config_from_flags()

    yield parse_argv
    flags.FLAGS.unparse_flags()


def test_original_grid_commands_are_accepted(parse):
    """The 18 commands of the original grid parse as written and name their run directories."""
    per_model = {"conv": [], "all_conv": ["--hidden_size=1"],
                 "fully_connected": ["--hidden_size=10", "--lr=.00005", "--weight_init=.01"]}
    run_dirs = set()
    for model, extra in per_model.items():
        for num_balls in (1, 2):
            for beta in ("0.1", "0.5", "1.0"):
                config = parse(f"--model={model}", f"--num_balls={num_balls}",
                               f"--beta={beta}", *extra)
                assert config.run_dir == ("./checkpoints/train_store_model_"
                                          f"{model}_num_balls_{num_balls}_beta_{beta}")
                run_dirs.add(config.run_dir)
                if model == "fully_connected":
                    assert (config.hidden_size, config.lr, config.weight_init) == (10, 5e-5, 0.01)
    assert len(run_dirs) == 18


def test_help_groups_every_flag_once_with_its_default(parse):
    import main
    from absl import flags

    result = main_py("--help")
    assert result.returncode == 0 and result.stderr == ""
    listed = re.findall(r"^  --(\w+)=", result.stdout, flags=re.M)
    defined = {flag.name for flag in flags.FLAGS.flags_by_module_dict()["main"]}
    assert sorted(listed) == sorted(defined) and len(listed) == len(set(listed))
    headings = re.findall(r"^(\w+):$", result.stdout, flags=re.M)
    assert headings == list(main.FLAG_GROUPS) and "training" in headings
    assert "  --beta=(per --objective)\n" in result.stdout and "  --model=conv\n" in result.stdout
    assert "``" not in result.stdout


def test_help_into_a_closed_pipe_ends_quietly():
    """`main.py --help | head`: the reader goes away first; no BrokenPipe traceback."""
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, "main.py"), "--help"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    process.stdout.close()  # before main.py writes a byte
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0
    assert stderr == ""


def test_a_trailing_slash_in_train_dir_names_the_same_run(parse):
    assert parse("--train_dir=runs/x/").run_dir == parse("--train_dir=runs/x").run_dir == (
        "runs/x_model_conv_num_balls_1_beta_0.1")


def test_sigterm_checkpoints_the_current_step(tmp_path):
    args = [*FAST, f"--train_dir={tmp_path}/run", "--save_every=100000", "--max_step=100000"]
    run_dir = f"{tmp_path}/run_model_all_conv_num_balls_1_beta_0.1"
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, "main.py"), *args],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               cwd=ROOT)
    for line in process.stdout:
        if line.startswith("step"):
            break
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=120)[0]
    assert process.returncode == 130
    assert "interrupted" in output
    assert latest_step(run_dir) >= 10


def test_run_writes_events_checkpoint_and_flagfile_and_resumes(tmp_path, run_main):
    train_dir = f"--train_dir={tmp_path}/run"
    result = main_py(*FAST, train_dir, "--max_step=20", "--save_every=10")
    assert result.returncode == 0, result.stderr
    run_dir = f"{tmp_path}/run_model_all_conv_num_balls_1_beta_0.1"
    files = os.listdir(run_dir)
    assert any(f.startswith("events.out.tfevents") for f in files)
    assert {"checkpoint", "config.json", "flags.txt", "ckpt-20.index"} <= set(files)
    assert latest_step(run_dir) == 20
    assert "step 20/20" in result.stdout and "img/s" in result.stdout
    assert f"run directory: {run_dir}\n" in result.stdout  # absolute, before training
    assert (f"figures: python {ROOT}/main.py --mode=figures --checkpoint_dir={tmp_path}\n"
            in result.stdout)
    assert result.stderr == ""  # no TensorFlow start-up notices
    tags = tensorboard_tags(run_dir)
    assert {"train/loss", "train/reconstruction", "train/kl", "train/beta_t",
            "train/images_per_sec", "train/kl_per_latent/00", "train/kl_per_latent/15",
            "eval/reconstruction", "reconstructions", "prior_samples", "traversals"} <= tags

    # The saved flagfile reproduces the run: it is finished, so nothing is trained.
    again = run_main(f"--flagfile={run_dir}/flags.txt")
    assert again.returncode == 0, again.stderr
    assert "nothing to train" in again.stdout

    # A higher max_step resumes where the run stopped.
    more = run_main(f"--flagfile={run_dir}/flags.txt", "--max_step=30")
    assert more.returncode == 0, more.stderr
    assert "resuming" in more.stdout and "from step 20" in more.stdout
    assert latest_step(run_dir) == 30


def test_kill_and_rerun_resumes_at_the_saved_step(tmp_path, run_main):
    args = [*FAST, f"--train_dir={tmp_path}/run", "--save_every=10", "--max_step=100000"]
    run_dir = f"{tmp_path}/run_model_all_conv_num_balls_1_beta_0.1"
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, "main.py"), *args],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               cwd=ROOT)
    try:
        # A step's checkpoint is written before its progress line is printed.
        for line in process.stdout:  # "step     30/100000  loss ..."
            if (match := re.match(r"step +(\d+)/", line)) and int(match[1]) >= 30:
                break
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    saved = latest_step(run_dir)
    assert saved is not None and saved >= 30
    args[-1] = f"--max_step={saved + 10}"
    result = run_main(*args)
    assert result.returncode == 0, result.stderr
    assert f"from step {saved} " in result.stdout
    assert latest_step(run_dir) == saved + 10


def test_a_run_resumed_off_the_save_schedule_still_evaluates_at_its_multiples(tmp_path):
    """Held-out evaluations at the multiples of --save_every, also after resuming at a step
    that is not one (an interrupted run's checkpoint), as table 1b compares runs at equal steps."""
    lines = []
    train_in_process(tmp_path, max_step=30, save_every=20)
    train_in_process(tmp_path, print_fn=lines.append, max_step=70, save_every=20)
    evaluated = [int(re.match(r"step +(\d+)/", line)[1]) for line in lines if "eval recon" in line]
    assert "from step 30 " in lines[0] and evaluated == [40, 60]


def test_changed_settings_do_not_touch_an_existing_run(tmp_path, run_main):
    train_dir = f"--train_dir={tmp_path}/run"
    train_in_process(tmp_path, max_step=10)
    run_dir = f"{tmp_path}/run_model_all_conv_num_balls_1_beta_0.1"
    before = sorted(os.listdir(run_dir))
    result = run_main(*FAST[:-2], "--hidden_size=2", train_dir, "--max_step=10")
    assert result.returncode == 2
    assert "--hidden_size" in result.stderr and "--overwrite" in result.stderr
    assert sorted(os.listdir(run_dir)) == before and latest_step(run_dir) == 10

    fresh = run_main(*FAST[:-2], "--hidden_size=2", train_dir, "--max_step=10", "--overwrite")
    assert fresh.returncode == 0, fresh.stderr
    assert "from step 0" in fresh.stdout


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path, run_main):
    # A learning rate of 1e30 blows the weights up after the first update.
    result = run_main(*FAST, f"--train_dir={tmp_path}/run", "--lr=1e30", "--save_every=1",
                     "--max_step=50")
    assert result.returncode == 1
    assert "NaN" in result.stderr and "Traceback" not in result.stderr
    run_dir = f"{tmp_path}/run_model_all_conv_num_balls_1_beta_0.1"
    assert latest_step(run_dir) == 1
    import numpy as np
    import tensorflow as tf

    reader = tf.train.load_checkpoint(os.path.join(run_dir, "ckpt-1"))
    for name in reader.get_variable_to_shape_map():
        value = reader.get_tensor(name)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            assert np.isfinite(value).all(), name


@pytest.mark.parametrize("name", ["balls_conv", "balls_all_conv", "balls_fully_connected"])
def test_flagfiles_parse(name, parse):
    config = parse(f"--flagfile={ROOT}/flags/{name}.flags", "--num_balls=2")
    assert config.model == name[len("balls_"):] and config.num_balls == 2


@pytest.mark.parametrize("name, expected", [
    ("dsprites_near32", dict(dataset="dsprites", model="burgess_conv", hidden_size=10, beta=4.0,
                             lr=1e-5, batch_size=128)),
    ("dsprites_higgins_fc", dict(dataset="dsprites", model="fc_1200", hidden_size=10, beta=4.0,
                                 lr=1e-4, batch_size=64)),
    ("mnist_yukunchen", dict(dataset="mnist", model="fc_1200", hidden_size=8, recon_loss="ad",
                             kl_warmup_steps=20000, lr=1e-5, batch_size=64)),
    ("dsprites_akella_annealed", dict(dataset="dsprites", model="fc_1200", hidden_size=20,
                                      objective="annealed", gamma=1000.0, c_max=25.0,
                                      c_steps=100000, lr=5e-4, batch_size=64)),
    ("dsprites_gonzalob90_nonsyn", dict(dataset="dsprites", model="burgess_conv",
                                        objective="nonsyn", alpha=5.0, omega=0.9, beta=1.0,
                                        lr=1e-4, batch_size=64)),
    ("dsprites_gonzalob90_factor", dict(dataset="dsprites", model="burgess_conv",
                                        objective="factor", gamma=6.4, disc_lr=1e-4, lr=1e-4,
                                        batch_size=64)),
])
def test_experiment_flagfiles_parse(name, expected, parse):
    config = parse(f"--flagfile={ROOT}/flags/{name}.flags")
    assert {key: getattr(config, key) for key in expected} == expected
    # A later flag overrides the file: the offline variant of the dSprites experiments.
    assert parse(f"--flagfile={ROOT}/flags/{name}.flags",
                 "--dataset=dsprites_rendered").dataset == "dsprites_rendered"
