"""Portable code, kept by a grep: Windows and macOS cannot be tested here, so the known traps
(POSIX-only calls and signals, hard-coded "/" path joins and absolute POSIX paths, shell
commands, hard-coded standard shortcuts) are searched for in the shipped code (engine, app,
widgets, layerlab, main.py). A hit is either fixed (``pathlib``, ``QKeySequence.StandardKey``,
``engine.resources``) or allowlisted below with the reason it is safe."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ["engine", "app", "widgets", "layerlab", "main.py"]

TRAPS = {
    "os.fork (no fork on Windows; use subprocess or multiprocessing)": r"\bos\.fork\(",
    "a signal Windows lacks": r"\bsignal\.SIG(KILL|ALRM|USR1|USR2|HUP|CHLD|PIPE|QUIT|STOP|CONT)\b",
    "a POSIX-only signal call": r"\bsignal\.(alarm|setitimer|pause|siginterrupt)\(",
    "a POSIX-only os call": r"\bos\.(getuid|geteuid|getgid|setsid|killpg|getpgid|setpgrp|uname|"
                            r"getloadavg|mkfifo|chown|sched_getaffinity)\(",
    "a POSIX-only module": r"^\s*(import|from)\s+(fcntl|termios|pwd|grp|resource|tty|pty)\b",
    "a '/' joined by hand (use pathlib)": r"\+\s*[\"']/[\"']|[\"']/[\"']\s*\+|os\.path\.join\(",
    "a path literal with '/' (use Path parts or engine.resources)":
        r"\b(Path|open|joinpath|read_text)\(\s*f?[\"'][^\"'\n]*/[^\"'\n]*[\"']",
    "an absolute POSIX path or '~/'": r"[\"'](/tmp|/home|/usr|/etc|/var|/dev/null|~/)",
    "a file found relative to the checkout (use engine.resources)":
        r"__file__\)\.resolve\(\)\.(parents\[\d\]|parent\.parent)",
    "a shell command line": r"shell\s*=\s*True",
    "a hard-coded standard shortcut (use QKeySequence.StandardKey)":
        r"[\"']Ctrl\+[SONQZCVXAW][\"']",
}
# (file, trap) -> why it is fine
ALLOWED: dict[tuple[str, str], str] = {
    ("engine/resources.py", "a file found relative to the checkout (use engine.resources)"):
        "package_root(): the one place that knows where engine/ sits (clone or site-packages)",
    ("engine/layers/conv_exec.py", "a POSIX-only os call"):
        "sched_getaffinity behind hasattr(os, ...), os.cpu_count() elsewhere",
    ("engine/threads.py", "a POSIX-only os call"):
        "sched_getaffinity behind hasattr(os, ...), os.cpu_count() elsewhere",
    ("engine/thread_load.py", "a path literal with '/' (use Path parts or engine.resources)"):
        "/proc/stat is Linux's own file: elsewhere the open fails and busy_seconds() is None",
}


def _files() -> list[Path]:
    found: list[Path] = []
    for name in SHIPPED:
        path = ROOT / name
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def test_shipped_code_avoids_the_known_portability_traps():
    hits = []
    for path in _files():
        rel = path.relative_to(ROOT).as_posix()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for trap, pattern in TRAPS.items():
                if re.search(pattern, line) and (rel, trap) not in ALLOWED:
                    hits.append(f"{rel}:{n}: {trap}: {line.strip()}")
    assert not hits, "\n".join(hits)


def test_the_grep_catches_each_trap():
    samples = {
        "os.fork (no fork on Windows; use subprocess or multiprocessing)": "pid = os.fork()",
        "a signal Windows lacks": "os.kill(pid, signal.SIGKILL)",
        "a POSIX-only signal call": "signal.alarm(5)",
        "a POSIX-only os call": "if os.getuid() == 0:",
        "a POSIX-only module": "import fcntl",
        "a '/' joined by hand (use pathlib)": 'name = folder + "/" + file',
        "a path literal with '/' (use Path parts or engine.resources)":
            'Path("assets/examples")',
        "an absolute POSIX path or '~/'": 'out = "/tmp/x.png"',
        "a file found relative to the checkout (use engine.resources)":
            'ROOT = Path(__file__).resolve().parents[2] / "assets"',
        "a shell command line": "subprocess.run(cmd, shell=True)",
        "a hard-coded standard shortcut (use QKeySequence.StandardKey)": 'QKeySequence("Ctrl+S")',
    }
    assert samples.keys() == TRAPS.keys()
    for trap, line in samples.items():
        assert re.search(TRAPS[trap], line), trap
    assert not re.search(TRAPS["a signal Windows lacks"], "signal.SIGINT")
    assert not re.search(TRAPS["a hard-coded standard shortcut (use QKeySequence.StandardKey)"],
                         '"Ctrl+Shift+Z"')
