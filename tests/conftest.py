import os
import signal
import subprocess
import sys

# Keep TensorFlow quiet and on the same kernels as main.py before any test imports it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

import pytest  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pytest_collection_modifyitems(config, items):
    """Slow tests run only when VAE_TF_SLOW=1 (they train for minutes)."""
    if os.environ.get("VAE_TF_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: set VAE_TF_SLOW=1 to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def run_main(capsys):
    """``main.py ARGS`` in this process: its flag parsing and ``main()``, without the 5-10 s of
    a new process's TensorFlow start-up. Returns a ``subprocess.CompletedProcess`` (exit code,
    stdout, stderr) like a run of the script. For what a new process adds nothing to; the tests
    of start-up output, signals and the one-line errors before TensorFlow run the script."""
    sys.path.insert(0, ROOT)
    import main
    from absl import flags

    if "model" not in flags.FLAGS:
        main.define_flags()
    handler = signal.getsignal(signal.SIGTERM)

    def run(*args):
        flags.FLAGS.unparse_flags()
        capsys.readouterr()
        try:
            main.main(main.parse_flags(["main.py", *args]))
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else int(e.code is not None)
        finally:
            signal.signal(signal.SIGTERM, handler)  # main() turns SIGTERM into an interrupt
            flags.FLAGS.unparse_flags()
        output = capsys.readouterr()
        return subprocess.CompletedProcess(["main.py", *args], code, output.out, output.err)

    yield run
    flags.FLAGS.unparse_flags()
