"""TensorFlow imported for the command-line tools: its log level, its oneDNN kernels, and
without the start-up notices its native libraries print to stderr on every import (twice)."""

import os
import sys
import tempfile

# Notices TensorFlow's libraries write straight to file descriptor 2 while loading.
NOTICES = ("All log messages before absl::InitializeLog() is called are written to STDERR",
           "oneDNN custom operations are on")


def import_tensorflow():
    """Set TensorFlow's log level and oneDNN kernels (faster for every model here, see
    benchmarks/throughput.py; TensorFlow leaves them off on some CPUs), then import it with
    the start-up :data:`NOTICES` dropped; anything else it prints passes through."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().decode(errors="replace").splitlines(keepends=True)
            sys.stderr.write("".join(line for line in lines
                                     if not any(notice in line for notice in NOTICES)))
            sys.stderr.flush()
