"""What each training recipe needs beyond a valid graph: the recipe half of ``engine.readiness``.

``check_recipe(ctx)`` dispatches on ``project.recipe`` and adds ``Problem``s for the same
conditions the recipe's trainer refuses (``engine.training.Trainer``,
``engine.perceptron.PerceptronTrainer``, ``engine.generative``), reading only shapes:

- supervised: the Input(s) fit the data, the output fits the classes/targets and the loss;
- perceptron: exactly Input → Dense(1, step), two classes, the Input fits;
- autoencoder / VAE: the Input fits, the output has as many values as the input, a hidden
  (code) layer, a Sampling layer for a VAE, a sigmoid/linear output for binary cross-entropy;
- GAN: two separate networks, a discriminator that takes a sample and ends in 1 unit
  (sigmoid/linear), a generator from a flat noise vector to the sample's shape.
"""

from __future__ import annotations

import numpy as np

from engine.generative.options import resolve
from engine.readiness_data import input_problem, output_activation, output_problems
from engine.readiness_types import Context, Fix, SetOptions
from engine.types import LayerLabError, format_shape


def check_recipe(ctx: Context) -> None:
    """Add the problems of ``ctx.project.recipe`` (the graph is valid, the data loaded)."""
    recipe = ctx.project.recipe
    if recipe == "gan":
        _gan(ctx)
        return
    problem = input_problem(ctx.data, ctx.graph)
    if problem is not None:
        ctx.problems.append(problem)
    if recipe == "perceptron":
        _perceptron(ctx)
    elif recipe in ("autoencoder", "vae"):
        _autoencoder(ctx, recipe)
    else:  # the output's shape does not depend on the Input's: both are listed at once
        output_problems(ctx)


def _perceptron(ctx: Context) -> None:
    graph, data = ctx.graph, ctx.data
    assert data is not None
    layers = [n for n in graph.nodes.values() if n.kind != "Input"]
    one = layers[0] if len(layers) == 1 else None
    if one is None or one.kind != "Dense" or one.options.get("units") != 1 \
            or one.options.get("activation") != "step":
        fix = None
        if one is not None and one.kind == "Dense":
            fix = Fix(f"Make '{one.name}' one step neuron",
                      (SetOptions(one.name, {**one.options, "units": 1,
                                             "activation": "step"}),))
        ctx.add("The perceptron recipe trains exactly one neuron: an Input layer wired to a "
                "Dense layer with 1 unit and the 'step' activation. For anything bigger, pick "
                "the supervised recipe (gradient descent) and a differentiable activation.",
                one.name if one is not None else None, fix)
    if data.task != "classification" or data.n_classes != 2:
        ctx.add("The perceptron separates two classes; choose a 2-class dataset.")


def _autoencoder(ctx: Context, recipe: str) -> None:
    graph, shapes = ctx.graph, ctx.report.shapes
    try:
        opts = resolve(recipe, ctx.project.training.recipe_options)
    except LayerLabError as err:
        ctx.add(str(err))
        return
    inputs, output = graph.input_nodes(), graph.output_nodes()[0]
    if len(inputs) != 1 or ctx.problems:
        return  # input_problem or the graph check already explained it
    n_in, n_out = int(np.prod(shapes[inputs[0]])), int(np.prod(shapes[output]))
    node = graph.nodes[output]
    if n_in != n_out:
        fix = None
        if "units" in node.options and len(shapes[output]) == 1:
            fix = Fix(f"Set '{output}' to {n_in} units",
                      (SetOptions(output, {**node.options, "units": n_in}),))
        ctx.add(f"An autoencoder rebuilds its input, so its output layer must give "
                f"{format_shape(shapes[inputs[0]])} ({n_in} values) but it gives "
                f"{format_shape(shapes[output])} ({n_out}). Set the last layer's units to "
                f"{n_in} (add a Reshape for images).", output, fix)
    hidden = [n for n in graph.nodes if n not in (inputs[0], output)]
    if recipe == "vae" and not any(graph.nodes[n].kind == "Sampling" for n in hidden):
        ctx.add("A VAE needs a Sampling layer between its encoder and decoder: feed it a mean "
                "and a log-variance layer of the same size.")
    code = str(opts.get("code_layer") or "")
    if code and code not in hidden:
        ctx.add(f"The code layer '{code}' is not a hidden layer of the network; pick one of: "
                f"{', '.join(hidden) or '(none: add layers between Input and output)'}.")
    elif not hidden:
        ctx.add("An autoencoder needs at least one hidden layer (the code) between its Input "
                "and its output.")
    act = output_activation(node)
    if opts.get("reconstruction_loss") == "bce" and act not in ("sigmoid", "linear"):
        fix = Fix(f"Set '{output}' activation to sigmoid",
                  (SetOptions(output, {**node.options, "activation": "sigmoid"}),)) \
            if "activation" in node.options else None
        ctx.add(f"Binary cross-entropy compares values in [0, 1]: end the decoder with a "
                f"sigmoid (it uses {act}), or choose mean squared error.", output, fix)


def _gan(ctx: Context) -> None:
    from engine.generative.gan import split_gan

    data = ctx.data
    assert data is not None
    try:
        opts = resolve("gan", ctx.project.training.recipe_options)
    except LayerLabError as err:
        ctx.add(str(err))
        return
    n_classes = data.n_classes if data.task == "classification" else 0
    conditional = bool(opts["conditional"])
    if conditional and (len(data.input_shape) != 1 or n_classes < 2):
        ctx.add("A conditional GAN appends the one-hot class to flat samples: use a "
                "classification dataset of flat vectors (not images).")
        return
    k = n_classes if conditional else 0
    sample = tuple(int(d) for d in data.input_shape)
    try:
        g_graph, d_graph = split_gan(ctx.graph, (sample[0] + k,) if conditional else sample)
    except LayerLabError as err:
        ctx.add(str(err))
        return
    shapes = ctx.report.shapes
    g_in, g_out = shapes[g_graph.input_nodes()[0]], shapes[g_graph.output_nodes()[0]]
    if tuple(g_out) != sample:
        ctx.add(f"The generator's output gives {format_shape(g_out)} but the data's samples "
                f"are {format_shape(sample)}; make its last layer produce that shape.",
                g_graph.output_nodes()[0])
    if len(g_in) != 1 or g_in[0] <= k:
        ctx.add(f"The generator's Input must be a flat noise vector (plus the {k} class values "
                f"when conditional); it is {format_shape(g_in)}.", g_graph.input_nodes()[0])
    elif opts["noise_dim"] and opts["noise_dim"] != int(g_in[0]) - k:
        ctx.add(f"noise_dim is {opts['noise_dim']} but the generator's Input takes "
                f"{int(g_in[0]) - k} noise values; change one to match.")
    d_out = d_graph.output_nodes()[0]
    act = output_activation(d_graph.nodes[d_out])
    if act not in ("sigmoid", "linear"):
        ctx.add(f"The discriminator's last layer must use sigmoid (or linear, read as a "
                f"logit), not {act}.", d_out)
