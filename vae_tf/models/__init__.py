"""Models: encoder/decoder architectures, the reparameterisation layer and the VAE."""
