"""The promises the repository makes to a new user."""

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def test_ci_runs_exactly_the_readme_test_command():
    blocks = re.findall(r"```bash\n(.*?)\n```", read("README.md"), re.S)
    install_and_run, install_and_test = blocks[0], blocks[1]
    assert "main.py" in install_and_run and "pytest" in install_and_test
    assert install_and_test.strip() in read(".ci/run").splitlines()


def test_output_folders_are_kept_but_their_contents_ignored():
    ignore = read(".gitignore")
    for folder in ("checkpoints", "figures"):
        assert os.path.exists(os.path.join(ROOT, folder, "README.md"))
        assert f"{folder}/*" in ignore and f"!{folder}/README.md" in ignore
