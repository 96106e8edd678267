"""``python main.py bench``: times the engine's real training path against plain numpy and PyTorch.

``workloads`` holds the registry (ids a, b, c, …: data, network, optimizer, targets),
``numpy_reference`` and ``torch_reference`` the competitors, ``runner`` the command: one fresh
subprocess per (competitor, threads, workload), interleaved, repeated (``--repeat``), median
epoch time, a table of ratios against the issue's targets, optional JSON; ``machine`` the load
record around each measurement, the GEMM peak and the header; ``report`` the text (summaries,
the thread-scaling table). Nothing here imports from outside the repo.
"""
