import pytest

from vae_tf.config import ALL_METRIC_NAMES, METRIC_NAMES, ConfigError, TrainConfig, input_shape


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
    """Each objective gets its own defaults; settings it does not own stay None."""
    assert (TrainConfig().beta, TrainConfig().gamma, TrainConfig().c_max) == (0.1, None, None)
    annealed = TrainConfig(objective="annealed")
    assert (annealed.gamma, annealed.c_max, annealed.c_steps, annealed.beta) == (
        1000.0, 25.0, 100000, None)
    assert (TrainConfig(objective="factor").gamma, TrainConfig(objective="factor").beta) == (
        6.4, None)
    assert TrainConfig(objective="factor", gamma=40.0).gamma == 40.0
    assert TrainConfig(objective="tcvae").beta == 6.0
    nonsyn = TrainConfig(objective="nonsyn")
    assert (nonsyn.beta, nonsyn.alpha, nonsyn.omega) == (1.0, 5.0, 0.9)
    assert TrainConfig(objective="tcvae", beta=6.0).run_dir.endswith("_beta_6.0_objective_tcvae")
    with pytest.raises(ConfigError, match="^--omega: "):
        TrainConfig(objective="nonsyn", omega=1.5)
    with pytest.raises(ConfigError, match="^--kl_warmup_steps: .*objective=beta, not annealed"):
        TrainConfig(objective="annealed", kl_warmup_steps=10)


@pytest.mark.parametrize("objective, setting, value", [
    ("factor", "beta", 4.0), ("annealed", "beta", 1.0), ("beta", "gamma", 10.0),
    ("tcvae", "c_max", 5.0), ("beta", "alpha", 1.0), ("nonsyn", "disc_lr", 1e-3),
    ("beta", "lambda_od", 1.0), ("tcvae", "lambda_d", 1.0), ("dip_vae_i", "beta", 1.0)])
def test_a_setting_of_another_objective_is_refused(objective, setting, value):
    with pytest.raises(ConfigError, match=f"^--{setting}: belongs to --objective=.*not "
                                          f"{objective}"):
        TrainConfig(objective=objective, **{setting: value})


def test_run_directories_name_only_the_weights_the_objective_uses():
    assert TrainConfig(train_dir="c/t", objective="factor").run_dir == (
        "c/t_model_conv_num_balls_1_gamma_6.4_objective_factor")
    assert TrainConfig(train_dir="c/t", objective="annealed", c_max=5.0).run_dir == (
        "c/t_model_conv_num_balls_1_gamma_1000.0_c_max_5.0_objective_annealed")
    assert TrainConfig(objective="annealed").objective_label == "γ = 1000.0, C_max = 25.0"


def test_dip_vae_settings_and_run_directories():
    """λ_d defaults to 10 λ_od (I) or λ_od (II), following a given λ_od; the run directory
    names λ_od, and λ_d only when it is not that multiple."""
    first, second = TrainConfig(objective="dip_vae_i"), TrainConfig(objective="dip_vae_ii")
    assert (first.lambda_od, first.lambda_d, second.lambda_od, second.lambda_d) == (
        10.0, 100.0, 10.0, 10.0)
    assert TrainConfig(objective="dip_vae_i", lambda_od=2.0).lambda_d == 20.0
    assert TrainConfig(train_dir="c/t", objective="dip_vae_ii", lambda_od=5.0).run_dir == (
        "c/t_model_conv_num_balls_1_lambda_od_5.0_objective_dip_vae_ii")
    own = TrainConfig(train_dir="c/t", objective="dip_vae_i", lambda_od=5.0, lambda_d=1.0)
    assert own.run_dir == (
        "c/t_model_conv_num_balls_1_lambda_od_5.0_lambda_d_1.0_objective_dip_vae_i")
    assert own.objective_label == "λ_od = 5.0, λ_d = 1.0"
    assert TrainConfig.from_dict(own.to_dict()) == own
    with pytest.raises(ConfigError, match="^--lambda_d: expected a number >= 0"):
        TrainConfig(objective="dip_vae_ii", lambda_d=-1.0)


def test_metrics_default_to_the_first_five_and_accept_all():
    assert TrainConfig().metric_names == METRIC_NAMES == (
        "beta_vae", "factor_vae", "mig", "dci", "sap")
    assert TrainConfig(metrics="irs,modularity,unsupervised").metric_names == (
        "irs", "modularity", "unsupervised")
    assert ALL_METRIC_NAMES[:5] == METRIC_NAMES
    with pytest.raises(ConfigError, match="^--metrics: .*unsupervised, got 'udr'"):
        TrainConfig(metrics="udr")


def test_tcvae_refuses_a_beta_that_rewards_total_correlation():
    with pytest.raises(ConfigError, match=r"^--beta: β-TCVAE .* β >= 1"):
        TrainConfig(objective="tcvae", beta=0.1)
    assert TrainConfig(objective="tcvae", beta=1.0).beta == 1.0


def test_a_saved_config_of_an_older_version_loads():
    """Older versions saved every objective's settings; those of other objectives are
    dropped, and the flag file writes only the objective's own."""
    saved = {**TrainConfig(objective="factor").to_dict(), "beta": 0.1, "c_max": 25.0,
             "alpha": 5.0}
    config = TrainConfig.from_dict(saved)
    assert (config.beta, config.c_max, config.gamma) == (None, None, 6.4)
    assert "--beta" not in config.to_flagfile() and "--gamma=6.4" in config.to_flagfile()


def test_more_balls_than_the_box_holds_are_refused():
    assert TrainConfig(num_balls=6).num_balls == 6
    with pytest.raises(ConfigError, match="^--num_balls: expected at most 6, got 200"):
        TrainConfig(num_balls=200)
