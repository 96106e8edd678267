#!/usr/bin/env bash
# The full check: lint, import-layering contracts, import cycles, size budgets, then the tests.
# Extra arguments go to pytest. "No tests collected" (a legitimately filtered run) is a pass.
set -uo pipefail
py=${1:-.venv/bin/python}
shift || true
bin=$(dirname "$py")
export QT_QPA_PLATFORM=offscreen
status=0
"$py" -m ruff check . || status=1
"$bin/lint-imports" --no-cache || status=1
"$py" scripts/import_cycles.py || status=1
"$py" scripts/line_budget.py || status=1
"$py" -m mypy engine app widgets || status=1
"$py" -m pytest "$@"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 5 ]; then status=1; fi
exit $status
