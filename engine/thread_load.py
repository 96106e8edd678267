"""How busy the rest of the machine is: other processes' CPU use, in cores.

``busy_seconds()`` reads the whole machine's busy CPU time from ``/proc/stat`` (Linux; None
elsewhere). ``OthersMeter.sample()`` subtracts this process's own CPU time (all its threads,
``time.process_time``) and divides by the wall time since its previous sample, once at least
``MIN_INTERVAL_S`` has passed (``/proc/stat`` counts in 10 ms ticks); in between it returns the
last value, and None until it has two samples. ``engine.threads`` uses it so that a default
thread budget does not raise BLAS threads onto cores other programs are busy on (OpenBLAS
threads spin while they wait: under load a 2-thread product ran several times slower than a
1-thread one); ``engine.bench.machine`` uses ``busy_seconds`` for its under-load marks.
"""

from __future__ import annotations

import os
import time

MIN_INTERVAL_S = 0.5


def busy_seconds() -> float | None:
    """Busy CPU seconds of the whole machine since boot (``/proc/stat``), or None."""
    try:
        with open("/proc/stat") as fh:
            fields = fh.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    ticks = [int(v) for v in fields[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    busy = sum(ticks[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU seconds this process (every thread) has used."""
    return time.process_time()  # user + system time of every thread, on every platform


class OthersMeter:
    """Other processes' busy cores between samples (see the module notes)."""

    def __init__(self) -> None:
        self._last: tuple[float, float, float] | None = None
        self.cores: float | None = None

    def sample(self) -> float | None:
        busy = busy_seconds()
        if busy is None:
            return None
        now, own = time.perf_counter(), own_cpu_seconds()
        if self._last is None:
            self._last = (now, busy, own)
            return self.cores
        t0, busy0, own0 = self._last
        if now - t0 >= MIN_INTERVAL_S:
            self.cores = max(0.0, (busy - busy0 - (own - own0)) / (now - t0))
            self._last = (now, busy, own)
        return self.cores
