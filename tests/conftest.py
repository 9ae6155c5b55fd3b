import os

# Keep TensorFlow quiet and on the same kernels as main.py before any test imports it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

import pytest  # noqa: E402


def pytest_collection_modifyitems(config, items):
    """Slow tests run only when VAE_TF_SLOW=1 (they train for minutes)."""
    if os.environ.get("VAE_TF_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: set VAE_TF_SLOW=1 to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
