"""Print lines of code per package and fail when a file passes the hard cap (DESIGN.md §8)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

SOFT, HARD = 400, 600


def main() -> int:
    listed = subprocess.run(["git", "ls-files", "*.py"], capture_output=True, text=True)
    files = [Path(p) for p in listed.stdout.split()] or list(Path(".").rglob("*.py"))
    totals: Counter[str] = Counter()
    over = []
    for path in files:
        if ".venv" in path.parts or not path.exists():
            continue
        n = len(path.read_text(encoding="utf-8").splitlines())
        totals[path.parts[0] if len(path.parts) > 1 else "(top)"] += n
        if n > HARD:
            over.append(f"{path} ({n} lines > {HARD})")
        elif n > SOFT:
            print(f"note: {path} has {n} lines (soft cap {SOFT})")
    print("lines per package: " + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())))
    for line in over:
        print(f"error: {line}", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
