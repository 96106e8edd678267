"""The optional CUDA backend (``LAYERLAB_BACKEND=cuda``, ``main.py train --backend cuda``).

Kernels are written with numba's CUDA target (``numba.cuda``; the maintained ``numba-cuda``
package of the ``cuda`` extra provides it), so the GPU code is Python like the CPU engine's
numba kernels and runs unchanged under numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``),
which is how CI tests it without a GPU. Device arrays are numba device arrays (CuPy cannot
run under the simulator, and cuBLAS would make the products untestable in CI).

- ``runtime``: is a GPU usable (``cuda_status``), and the simulator switch for tests.
- ``kernels_dense``: tiled shared-memory matrix product, bias + activation, activation
  gradients, bias gradient, softmax rows, row gather.
- ``kernels_loss``: MSE, softmax cross-entropy (labels), sigmoid binary cross-entropy
  (logits): loss into a per-step slot and dLoss/dOutput.
- ``kernels_optim``: every optimizer's update step (``engine.optimizers``' formulas).
- ``kernels_conv``: Conv2D forward/backward, max and average pooling, dropout's mask.
- ``kernels_graph``: Add and fan-out gradient sums, Concatenate, global average pooling,
  batch and layer normalization.
- ``kernels_attention``: PositionalEncoding's addition; multi-head attention's masked
  softmax(Q·Kᵀ/√d)·V per head, forward and backward.
- ``kernels_recurrent``: Embedding's gather and fixed-order scatter-add, one time step of
  SimpleRNN, LSTM and GRU forward and backward.
- ``ops``, ``ops_conv``, ``ops_graph``, ``ops_recurrent``, ``ops_attention``: host-side
  launchers (grid sizes) for the kernels above.
- ``device_layers``, ``device_graph_layers``, ``device_seq_layers``, ``device_attention``:
  the GPU twin of each CPU layer kind that trains on the GPU; ``graph``: ``DeviceGraph`` runs
  them in the model's topological order (chains and DAGs).
- ``stepper``: ``CudaStepper``, whole training chunks of a network on the device.
- ``placement``: which layers stay on the CPU under ``cuda`` and why; ``report``: the lines
  the CLI and the training panel show before training.

Nothing here is imported unless the ``cuda`` backend is asked for (``engine.backend``).
"""
