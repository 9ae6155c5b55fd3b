"""The ``TF_CONFIG`` cluster a ``--strategy=multi_worker`` run joins, checked without
TensorFlow (``main.py`` refuses a missing or malformed one before the slow import)."""

import json
import os


def tf_config_error():
    """Why ``TF_CONFIG`` cannot describe this worker of a cluster (a phrase), or None."""
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        return "TF_CONFIG is not set (see README, \"Several GPUs and machines\")"
    try:
        spec = json.loads(raw)
        workers = spec["cluster"]["worker"]
        task = spec["task"]
        if not 0 <= int(task["index"]) < len(spec["cluster"][task["type"]]):
            return f"TF_CONFIG task index {task['index']} is outside its {task['type']} list"
    except (ValueError, KeyError, TypeError):
        return ("TF_CONFIG is not JSON of the form {\"cluster\": {\"worker\": [\"host:port\", "
                "...]}, \"task\": {\"type\": \"worker\", \"index\": i}}")
    if not workers:
        return "TF_CONFIG lists no workers"
    return None


def is_chief():
    """Whether this process writes the run of a ``multi_worker`` cluster: the ``chief`` task,
    or worker 0 of a cluster without one (as ``MultiWorkerMirroredStrategy`` decides)."""
    spec = json.loads(os.environ["TF_CONFIG"])
    task = spec["task"]
    if "chief" in spec["cluster"]:
        return task["type"] == "chief"
    return task["type"] == "worker" and int(task["index"]) == 0
