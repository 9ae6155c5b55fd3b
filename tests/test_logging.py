"""What a training run writes to TensorBoard, and when: scalars every --log_every steps, images
at the first log, at the first log at or past each multiple of --image_every, and at the end."""

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from vae_tf.config import TrainConfig
from vae_tf.training.train import train

IMAGES = ("reconstructions", "prior_samples", "traversals")


def steps_of(run_dir):
    events = EventAccumulator(run_dir, size_guidance={"tensors": 0})
    events.Reload()
    return {tag: [event.step for event in events.Tensors(tag)]
            for tag in events.Tags()["tensors"]}


def test_images_every_image_every_steps_and_scalars_every_log(tmp_path):
    config = TrainConfig(train_dir=str(tmp_path / "run"), model="all_conv", hidden_size=1,
                         batch_size=16, log_every=10, image_every=25, max_step=70,
                         save_every=1000, jit_compile="off")
    train(config, print_fn=lambda line: None)
    steps = steps_of(config.run_dir)
    assert steps["train/loss"] == [10, 20, 30, 40, 50, 60, 70]
    # the first log, the first logs past 25 and 50, the last step
    for tag in IMAGES:
        assert steps[tag] == [10, 30, 50, 70], tag

    # A resumed run draws its first log's images too; a larger --image_every is allowed.
    more = TrainConfig.from_dict({**config.to_dict(), "max_step": 100, "image_every": 1000})
    train(more, print_fn=lambda line: None)
    steps = steps_of(config.run_dir)
    assert steps["train/loss"][-3:] == [80, 90, 100]
    assert steps["traversals"] == [10, 30, 50, 70, 80, 100]
