"""``main.py bench``'s honest-measurement machinery: load records, interleaved repeats folded to
median and spread, the thread list, the scaling table and the GEMM peak."""

import json

import pytest

from engine.bench import machine, report, runner
from engine.cli import main
from engine.types import ConfigError


def test_thread_list_parsing():
    assert runner.parse_thread_list("1,2,4", quick=False) == [1, 2, 4]
    assert runner.parse_thread_list(" 2, 2 ,1", quick=True) == [2, 1]  # as given, once each
    assert runner.parse_thread_list(None, quick=True) == [1]
    assert runner.parse_thread_list(None, quick=False) == sorted({1, machine.cores()})
    for bad in ("0", "1,x", "-1", "1,,2"):
        with pytest.raises(ConfigError, match="e.g. --threads 1,2,4"):
            runner.parse_thread_list(bad, quick=False)


def test_loaded_when_other_processes_use_more_than_a_third_of_each_core():
    assert machine.is_loaded({"load_before": 9.0, "others_cores": 0.5, "cores": 2}) is False
    assert machine.is_loaded({"load_before": 0.0, "others_cores": 0.7, "cores": 2}) is True
    # without /proc/stat the 1-minute load average before the run decides
    assert machine.is_loaded({"load_before": 0.7, "others_cores": None, "cores": 2}) is True
    assert machine.is_loaded({"load_before": 0.5, "others_cores": None, "cores": 2}) is False
    mark = machine.load_start()
    sum(i * i for i in range(200_000))  # our own work is not "others"
    load = machine.load_end(mark, ncores=2)
    assert set(load) >= {"load_before", "load_after", "others_cores", "loaded", "cores"}
    assert "load " in machine.load_text(load)
    text = machine.load_text({**load, "loaded": True})
    assert text.endswith("UNDER LOAD")


def test_repeats_run_interleaved_with_a_load_record_each(capsys):
    calls = []

    def child(args, env):
        comp, threads = args[args.index("--competitor") + 1], int(args[args.index("--threads")
                                                                        + 1])
        calls.append((comp, threads))
        assert env["LAYERLAB_THREADS"] == str(threads) == env["OPENBLAS_NUM_THREADS"]
        return {"epoch_s_median": 0.1 * threads, "us_per_step": 5.0, "samples_per_s": 10.0,
                "gflops": 1.0, "loss_after_warmup_epoch": 1.0, "loss_last": 0.5}

    jobs = [{"workload": "a", "competitor": c, "threads": t, "variant": "default"}
            for t in (1, 2) for c in ("engine", "numpy")]
    runs = runner.run_jobs(jobs, quick=True, repeat=3, child=child)
    assert calls == [("engine", 1), ("numpy", 1), ("engine", 2), ("numpy", 2)] * 3
    assert [r["repeat"] for r in runs] == [0] * 4 + [1] * 4 + [2] * 4
    assert all("loaded" in r["load"] and r["load"]["load_before"] >= 0 for r in runs)
    out = capsys.readouterr().out
    assert "#3" in out and "load " in out


def _run(comp, threads, secs, rep, loaded=False, **extra):
    return {"workload": "d", "competitor": comp, "threads": threads, "variant": "default",
            "epoch_s_median": secs, "us_per_step": secs * 1e4, "samples_per_s": 1 / secs,
            "gflops": 2.0 / secs, "repeat": rep, "load": {"loaded": loaded}, **extra}


def test_aggregate_takes_the_median_repeat_and_its_spread():
    runs = [_run("engine", 1, 0.30, 0), _run("engine", 1, 0.20, 1, loaded=True),
            _run("engine", 1, 0.25, 2),
            {**_run("torch", 1, 0.4, 0), "error": "boom"}, _run("torch", 1, 0.5, 1),
            {**_run("numpy", 1, 1, 0), "error": "gone"}]
    rows = {r["competitor"]: r for r in report.aggregate(runs)}
    eng = rows["engine"]
    assert eng["epoch_s_median"] == pytest.approx(0.25)
    assert eng["epoch_s_spread"] == (0.20, 0.30) and eng["repeats"] == [0.30, 0.20, 0.25]
    assert eng["repeats_loaded"] == 1 and eng["gflops"] == pytest.approx(8.0)
    assert rows["torch"]["epoch_s_median"] == 0.5 and rows["torch"]["repeats_failed"] == 1
    assert rows["numpy"]["error"] == "gone"  # every repeat failed: the job failed


def test_scaling_table_and_peak_share():
    rows = report.aggregate([
        _run("engine", 1, 0.40, 0), _run("engine", 2, 0.25, 0, loaded=True),
        _run("torch", 1, 0.50, 0), _run("torch", 2, 0.30, 0),
        {**_run("torch", 2, 0.28, 0), "variant": "fused"}])
    lines = report.scaling_table("d", rows, {1: 40.0, 2: 75.0})
    text = "\n".join(lines)
    assert "scaling (d)" in lines[0] and "engine÷torch" in lines[1]
    one, two = lines[2].split(), lines[3].split()
    assert one[:3] == ["1", "0.4000", "1.00"] and one[-1] == "40.0"
    assert two[0] == "2" and two[1] == "0.2500*" and two[2] == "1.60"  # loaded: starred
    assert two[3] == "0.2800" and float(two[5]) == pytest.approx(0.25 / 0.28, abs=1e-3)
    assert "* a repeat of this measurement ran under load" in text
    assert report.scaling_table("d", rows[:1], {}) == []  # one thread count: no table
    wl = type("W", (), {"id": "d", "title": "t", "targets": {"torch": 0.8},
                        "torch_reference_s": None})()
    summary = report.format_summary(report.summarize(wl, rows), None, {1: 40.0, 2: 75.0})
    assert any("GFLOP/s = 10.7% of the 75 GFLOP/s GEMM peak" in line for line in summary)


def test_gemm_peak_child_measures_gflops():
    row = machine.child_gemm(1, quick=True, n=64)
    assert row["threads"] == 1 and row["runs"] >= 3
    assert row["gflops_best"] >= row["gflops_median"] > 0


def test_bench_rejects_a_bad_thread_list_in_plain_words(capsys):
    assert main(["bench", "--only", "a", "--threads", "zero"]) == 1
    err = capsys.readouterr().err
    assert "e.g. --threads 1,2,4" in err and "Traceback" not in err


@pytest.mark.slow  # five fresh processes: ~5 s on a quiet 2-core machine, ~10 s under load
def test_bench_threads_and_repeat_end_to_end(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["bench", "--only", "a", "--compare", "", "--quick", "--threads", "1,2",
                 "--repeat", "1", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert [g["threads"] for g in data["gemm"]] == [1, 2]
    assert all(g["gflops_best"] > 0 and "loaded" in g["load"] for g in data["gemm"])
    assert [(r["competitor"], r["threads"]) for r in data["rows"]] == [("engine", 1),
                                                                       ("engine", 2)]
    assert all("load_before" in r["load"] for r in data["runs"])
    text = capsys.readouterr().out
    assert "scaling (a)" in text and "GEMM peak, float32 1024³, 2 thread(s)" in text
