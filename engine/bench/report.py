"""The benchmark's text: progress lines, repeats folded into one row, per-workload summaries,
the thread-scaling table and achieved GFLOP/s against the machine's GEMM peak.

A *run* is one child's JSON row (one repeat of one job) plus its load record; ``aggregate``
folds a job's repeats into a *row*: ``epoch_s_median`` = the median of the repeats' epoch
medians, ``epoch_s_spread`` = (fastest, slowest) repeat, ``repeats_loaded`` = how many repeats
ran under load. Summaries and tables read rows.
"""

from __future__ import annotations

import statistics
from typing import Any

from engine.bench.machine import load_text

COMPETITORS = ("engine", "numpy", "torch", "probes")  # probes: engine + live probes
JOB_KEYS = ("workload", "competitor", "threads", "variant")


def config_text(row: dict[str, Any]) -> str:
    text = f"{row['threads']} thread{'s' if row['threads'] > 1 else ''}"
    if row["competitor"] == "torch":
        text += ", fused Adam" if row["variant"] == "fused" else ", default optim"
    if row.get("stepper"):
        text += f", {row['stepper']}"
    return text


def progress_line(run: dict[str, Any]) -> str:
    head = f"({run['workload']}) {run['competitor']:<6} {config_text(run):<26}"
    if "repeat" in run:
        head += f" #{run['repeat'] + 1}"
    load = f"  [{load_text(run['load'])}]" if run.get("load") else ""
    if "error" in run:
        return f"{head} FAILED: {run['error']}{load}"
    return (f"{head} {run['epoch_s_median']:.4f} s/epoch  {run['us_per_step']:8.1f} µs/step  "
            f"loss {run['loss_after_warmup_epoch']:.3f} -> {run['loss_last']:.3f}{load}")


def aggregate(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per job (in first-seen order): the repeats' median, spread and load marks. A
    job with a failed repeat keeps its good repeats; a job whose every repeat failed keeps
    the last error."""
    order: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for run in runs:
        order.setdefault(tuple(run[k] for k in JOB_KEYS), []).append(run)
    rows = []
    for group in order.values():
        good = [r for r in group if "error" not in r]
        if not good:
            rows.append(dict(group[-1]))
            continue
        meds = [r["epoch_s_median"] for r in good]
        med = statistics.median(meds)
        row = dict(min(good, key=lambda r: abs(r["epoch_s_median"] - med)))  # a typical run
        scale = med / row["epoch_s_median"]
        row.update(epoch_s_median=med, epoch_s_spread=(min(meds), max(meds)),
                   repeats=meds, repeats_failed=len(group) - len(good),
                   repeats_loaded=sum(bool(r.get("load", {}).get("loaded")) for r in good),
                   us_per_step=row["us_per_step"] * scale,
                   samples_per_s=row["samples_per_s"] / scale, gflops=row["gflops"] / scale)
        row.pop("repeat", None)
        rows.append(row)
    return rows


def summarize(wl: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Best (lowest median) row per competitor, ratios engine ÷ competitor, target checks."""
    best: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["workload"] == wl.id and "error" not in row:
            cur = best.get(row["competitor"])
            if cur is None or row["epoch_s_median"] < cur["epoch_s_median"]:
                best[row["competitor"]] = row
    out: dict[str, Any] = {"workload": wl.id, "title": wl.title, "best": {}, "ratios": {},
                           "checks": [], "torch_reference_s": wl.torch_reference_s}
    for comp, row in best.items():
        out["best"][comp] = {"epoch_s": row["epoch_s_median"], "config": config_text(row),
                             "us_per_step": row["us_per_step"], "threads": row["threads"],
                             "gflops": row.get("gflops"),
                             "spread": row.get("epoch_s_spread"),
                             "loaded": row.get("repeats_loaded", 0)}
    engine = best.get("engine")
    for comp in ("numpy", "torch"):
        if engine and comp in best:
            out["ratios"][comp] = engine["epoch_s_median"] / best[comp]["epoch_s_median"]
    if engine and "probes" in best:  # the other way round: the slowdown probes cause
        out["ratios"]["probes"] = best["probes"]["epoch_s_median"] / engine["epoch_s_median"]
    for comp, target in wl.targets.items():
        ratio = out["ratios"].get(comp)
        status = "n/a" if ratio is None else ("PASS" if ratio <= target else "MISS")
        out["checks"].append({"competitor": comp, "target": target, "ratio": ratio,
                              "status": status})
    return out


def _peak_text(gflops: float | None, threads: int, peaks: dict[int, float]) -> str:
    if gflops is None:
        return ""
    peak = peaks.get(threads)
    share = f" = {100 * gflops / peak:.1f}% of the {peak:.0f} GFLOP/s GEMM peak" if peak else ""
    return f"   {gflops:.2f} GFLOP/s{share}"


def format_summary(s: dict[str, Any], ttfs: dict[str, Any] | None,
                   peaks: dict[int, float] | None = None) -> list[str]:
    lines = [f"({s['workload']}) {s['title']}",
             f"  {'':<8}{'s/epoch':>10}{'µs/step':>10}   best of"]
    for comp in COMPETITORS:
        b = s["best"].get(comp)
        if b:
            spread = b.get("spread")
            extra = (f" (repeats {spread[0]:.4f}–{spread[1]:.4f})"
                     if spread and spread[0] != spread[1] else "")
            extra += f", {b['loaded']} under load" if b.get("loaded") else ""
            extra += _peak_text(b.get("gflops"), b.get("threads", 1), peaks or {})
            lines.append(f"  {comp:<8}{b['epoch_s']:>10.4f}{b['us_per_step']:>10.1f}   "
                         f"{b['config']}{extra}")
    targets = {c["competitor"]: c for c in s["checks"]}
    for comp, ratio in s["ratios"].items():
        check = targets.get(comp)
        mark = f"   target ≤ {check['target']:.2f}  {check['status']}" if check else ""
        name = "probes ÷ engine" if comp == "probes" else f"engine ÷ {comp:<6}"
        lines.append(f"  {name}{ratio:>8.3f}{mark}")
    for comp, check in targets.items():
        if check["status"] == "n/a":
            lines.append(f"  engine ÷ {comp:<6}{'–':>8}   target ≤ {check['target']:.2f}  "
                         f"n/a ({comp} not run)")
    if ttfs:
        lines.append("  " + format_ttfs(ttfs))
    return lines


def format_ttfs(t: dict[str, Any]) -> str:
    warm, cold = t["warm"], t.get("cold")
    if "error" in warm:
        return f"time to first step: FAILED ({warm['error']})"
    text = (f"time to first step {warm['total_s']:.2f} s (import {warm['import_s']:.2f} + build "
            f"{warm['build_s']:.3f} + first batch {warm['first_step_s']:.3f}; process "
            f"{warm['process_wall_s']:.2f} s)")
    if cold and "error" not in cold:
        text += f"; cold numba cache {cold['total_s']:.2f} s"
    return text


def scaling_table(wl_id: str, rows: list[dict[str, Any]],
                  peaks: dict[int, float]) -> list[str]:
    """Per thread count: engine and PyTorch (best variant) s/epoch, speed-up over their own
    1-thread time, engine ÷ torch, and the engine's GFLOP/s (share of the GEMM peak)."""
    best: dict[tuple[str, int], dict[str, Any]] = {}
    for row in rows:
        if row["workload"] != wl_id or "error" in row:
            continue
        key = (row["competitor"], row["threads"])
        if key not in best or row["epoch_s_median"] < best[key]["epoch_s_median"]:
            best[key] = row
    counts = sorted({t for _, t in best})
    if len(counts) < 2:
        return []
    base = {c: best[(c, counts[0])]["epoch_s_median"] for c in ("engine", "torch")
            if (c, counts[0]) in best}
    lines = [f"  scaling ({wl_id}): median s/epoch per thread count, × = speed-up over "
             f"{counts[0]} thread(s)",
             f"  {'threads':>9}{'engine':>12}{'×':>7}{'torch':>12}{'×':>7}{'engine÷torch':>14}"
             f"{'engine GFLOP/s':>16}{'GEMM peak':>11}"]
    for t in counts:
        cells = f"  {t:>9}"
        for comp in ("engine", "torch"):
            cell = best.get((comp, t))
            if cell is None:
                cells += f"{'–':>12}{'':>7}"
                continue
            mark = "*" if cell.get("repeats_loaded") else " "
            speed = base[comp] / cell["epoch_s_median"] if comp in base else float("nan")
            cells += f"{cell['epoch_s_median']:>11.4f}{mark}{speed:>7.2f}"
        e, tr = best.get(("engine", t)), best.get(("torch", t))
        cells += (f"{e['epoch_s_median'] / tr['epoch_s_median']:>14.3f}" if e and tr
                  else f"{'–':>14}")
        cells += f"{e['gflops']:>16.2f}" if e else f"{'–':>16}"
        peak = peaks.get(t)
        cells += f"{peak:>11.1f}" if peak else f"{'–':>11}"
        lines.append(cells)
    if any(r.get("repeats_loaded") for r in best.values()):
        lines.append("  * a repeat of this measurement ran under load")
    return lines
