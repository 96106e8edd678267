"""Generative training recipes: autoencoders, variational autoencoders (VAE) and GANs.

``engine.recipes.prepare`` hands projects whose ``recipe`` is ``"autoencoder"``, ``"vae"`` or
``"gan"`` to their recipe modules (``engine/recipes/autoencoder.py``, ``vae.py``, ``gan.py``),
which build the trainers here. The recipe's own options
live in ``TrainConfig.recipe_options`` (declared in ``engine.generative.options``) and are
re-read before every chunk of steps, so the GUI may change them while a run goes on.

- ``autoencoder.py``: ``AutoencoderTrainer`` (plain, denoising, sparse; and the VAE, whose
  Sampling layer adds β·KL through the layer ``aux_loss`` mechanism).
- ``gan.py``: ``GANTrainer``: two sub-networks on one canvas, alternating updates.
- ``latent.py`` / ``gan_probes.py``: probes as plain numpy functions (codes, decoded grids,
  interpolations, generated samples, decision surfaces, mode coverage).
- ``graph_tools.py``: code layer choice, running part of a model, splitting a canvas.
"""
