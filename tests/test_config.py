import pytest

from vae_tf.config import ConfigError, TrainConfig, input_shape


@pytest.mark.parametrize("dataset, model, expected", [
    ("balls", "conv", ((32, 32, 1), None)),
    ("dsprites", "burgess_conv", ((64, 64, 1), None)),
    ("dsprites_rendered", "all_conv", ((64, 64, 1), None)),
    ("celeb_a", "burgess_conv", ((64, 64, 3), None)),
    ("mnist", "conv", ((28, 28, 1), None)),          # 28 is a multiple of 4
    ("mnist", "all_conv", ((32, 32, 1), "pad")),     # to the next multiple of 8
    ("mnist", "burgess_conv", ((64, 64, 1), "resize")),
    ("mnist", "fc_1200", ((28, 28, 1), None)),
])
def test_input_shape(dataset, model, expected):
    assert input_shape(dataset, model) == expected


def test_a_model_that_cannot_take_the_data_names_the_flag():
    with pytest.raises(ConfigError, match=r"^--model: burgess_conv needs 64x64 images, got "
                       r"32x32 \(--dataset=balls\); choose a model from fully_connected, conv, "
                       r"all_conv, fc_1200$"):
        TrainConfig(dataset="balls", model="burgess_conv")


def test_reconstruction_default_follows_the_data():
    assert TrainConfig().recon_loss == "ce"
    assert TrainConfig(dataset="celeb_a", model="burgess_conv").recon_loss == "mse"
    assert TrainConfig(dataset="celeb_a", model="burgess_conv", recon_loss="ce").recon_loss == "ce"


def test_run_directory_names_the_data_set_unless_balls():
    assert TrainConfig(train_dir="c/t", beta=1.0).run_dir == "c/t_model_conv_num_balls_1_beta_1.0"
    config = TrainConfig(train_dir="c/t", dataset="dsprites", model="burgess_conv", beta=4.0)
    assert config.run_dir == "c/t_dataset_dsprites_model_burgess_conv_beta_4.0"


def test_data_location_may_change_on_resume():
    a = TrainConfig(dataset="dsprites", data_dir="/a", manual_dir="/m")
    assert a.first_difference(TrainConfig(dataset="dsprites")) is None
    assert a.first_difference(TrainConfig(dataset="dsprites", model="fc_1200")) == "model"


def test_latent_size_default_follows_the_model():
    assert TrainConfig().hidden_size == 32
    assert TrainConfig(dataset="dsprites", model="burgess_conv").hidden_size == 10
    assert TrainConfig(dataset="dsprites", model="fc_1200", hidden_size=6).hidden_size == 6


def test_objective_settings():
    assert TrainConfig().gamma == 0.0
    assert TrainConfig(objective="annealed").gamma == 1000.0
    assert TrainConfig(objective="factor").gamma == 6.4
    assert TrainConfig(objective="factor", gamma=40.0).gamma == 40.0
    assert TrainConfig(objective="tcvae", beta=6.0).run_dir.endswith("_beta_6.0_objective_tcvae")
    with pytest.raises(ConfigError, match="^--omega: "):
        TrainConfig(objective="nonsyn", omega=1.5)
    with pytest.raises(ConfigError, match="^--kl_warmup_steps: .*objective=beta, not annealed"):
        TrainConfig(objective="annealed", kl_warmup_steps=10)
