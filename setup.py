"""vae_tf: disentangled VAEs (β-VAE and friends) in TensorFlow 2 / Keras 3."""

from setuptools import find_packages, setup

setup(
    name="vae_tf",
    version="0.1.0",
    description="Disentangled variational autoencoders (β-VAE and successors) on bouncing balls "
                "and dSprites, in TensorFlow 2 / Keras 3",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["vae_tf", "vae_tf.*"]),
    python_requires=">=3.10",
    install_requires=[
        "keras>=3.0",
        "numpy",
        "absl-py",
        # Keras' TensorBoard support and tf.summary need it; TensorFlow >= 2.20 no longer
        # installs it.
        "tensorboard",
        # dSprites, MNIST and CelebA come through TFDS. TFDS 4.9 imports importlib_resources
        # without depending on it, and reads the dSprites hdf5 with h5py.
        "tensorflow-datasets>=4.9",
        "importlib_resources",
        "h5py",
        # The classifiers inside the disentanglement metrics (vae_tf.metrics), as their
        # definitions prescribe: logistic regression, boosted trees, linear SVMs.
        "scikit-learn",
        # --dci_backend=lightgbm: DCI's boosted trees about 50x faster than scikit-learn's
        # GradientBoostingClassifier, with a public split-gain importance (scikit-learn's own
        # histogram boosting has none).
        "lightgbm",
        # vae_tf.figures: PNG figures (matplotlib, Agg backend) and traversal GIFs (Pillow).
        "matplotlib",
        "Pillow",
    ],
    extras_require={
        # TensorFlow comes as an extra so CPU machines skip the CUDA build:
        # pip install -e ".[cpu]" on a laptop or CI, pip install -e ".[gpu]" on a GPU machine.
        "cpu": ["tensorflow-cpu>=2.16"],
        "gpu": ["tensorflow[and-cuda]>=2.16"],
        # pytest-xdist: the suite in two processes (pytest.ini), 399 s -> 249 s on 2 idle cores
        "test": ["pytest", "pytest-xdist"],
        # benchmarks/vs_pytorch.py: the PyTorch twins the training speed is measured beside
        # (CPU wheel: pip install torch --index-url https://download.pytorch.org/whl/cpu).
        "bench": ["torch"],
    },
)
