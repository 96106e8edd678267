"""Read a learner's CSV file into ``RawData``, with errors that point at the offending cell.

Rows are numbered as a spreadsheet shows them (1-based, the header counted, blank lines too),
so "Row 7, column 'age' contains 'abc'" can be found at once. The delimiter (comma, semicolon
or tab) is detected, the header is detected unless told, a UTF-8 byte-order mark (Excel) is
dropped. Feature columns must be numbers; the target column may hold text (class names).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from engine.datasets.base import CLASSIFICATION, RawData, encode_target
from engine.types import DataError

FLOAT32_MAX = float(np.finfo(np.float32).max)  # larger numbers would become infinite
MISSING = {"", "na", "n/a", "nan", "null", "none", "?", "-", "--"}
Row = tuple[int, list[str]]  # (spreadsheet row number, cells)


def check_file(path: str | Path, what: str) -> Path:
    """The path as a ``Path`` if it names an existing file, else a ``DataError``."""
    if not str(path).strip():
        raise DataError(f"No {what} is chosen yet: pick a file first.")
    p = Path(path).expanduser()
    if not p.exists():
        raise DataError(f"The {what} '{p}' does not exist. Check the path or pick the file "
                        f"again.")
    if not p.is_file():
        raise DataError(f"'{p}' is a folder, not a {what}. Pick a file inside it.")
    return p


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_rows(path: str | Path) -> list[Row]:
    """All non-blank rows with their spreadsheet row numbers; cells stripped of spaces."""
    text = _read_text(check_file(path, "CSV file"))
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:8192], ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows: list[Row] = []
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((reader.line_num, [c.strip() for c in cells]))
    except csv.Error as exc:
        raise DataError(f"Line {reader.line_num} of '{path}' cannot be read as CSV ({exc}). "
                        f"Check for a stray quote character.") from exc
    if not rows:
        raise DataError(f"The CSV file '{path}' is empty.")
    return rows


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return cell.lower() not in MISSING


def detect_header(rows: list[Row]) -> bool:
    """A first row is a header if all its cells are text, or one of them is text (not a
    missing-value marker) where the second row holds a number."""
    first = rows[0][1]
    if all(not _is_number(c) for c in first):
        return True
    if len(rows) < 2:
        return False
    second = rows[1][1]
    return any(not _is_number(a) and a.lower() not in MISSING and _is_number(b)
               for a, b in zip(first, second))


def _split_header(rows: list[Row], has_header: bool | str) -> tuple[list[str], list[Row]]:
    if has_header == "auto":
        has_header = detect_header(rows)
    if has_header:
        names = [c or f"column {j + 1}" for j, c in enumerate(rows[0][1])]
        return names, rows[1:]
    return [f"column {j + 1}" for j in range(len(rows[0][1]))], rows


def preview_csv(path: str | Path, n_rows: int = 20, has_header: bool | str = "auto"
                ) -> tuple[list[str], list[list[str]]]:
    """``(header, rows)``: the column names and the first ``n_rows`` data rows as text."""
    header, data = _split_header(read_rows(path), has_header)
    return header, [cells for _, cells in data[:n_rows]]


def _rectangular(header: list[str], data: list[Row]) -> list[Row]:
    """Rows padded/trimmed to the header's width; a real mismatch is a ``DataError``."""
    width, out = len(header), []
    for line, cells in data:
        if len(cells) > width and not any(cells[width:]):
            cells = cells[:width]  # trailing empty cells, as some spreadsheets write
        if len(cells) != width:
            raise DataError(f"Row {line} has {len(cells)} cells but the file has {width} "
                            f"columns. Fix that row (a stray comma or a missing value?).")
        out.append((line, cells))
    return out


def _cell_error(line: int, column: str, value: str, purpose: str) -> DataError:
    if value.lower() in MISSING:
        return DataError(f"Row {line}, column '{column}' is empty. Every cell needs a value: "
                         f"fill it in, or remove that row or the column.")
    hint = ""
    if "," in value and _is_number(value.replace(",", ".", 1)):
        hint = " Use a dot as the decimal separator (1.5, not 1,5)."
    return DataError(f"Row {line}, column '{column}' contains '{value}', which is not a "
                     f"number{purpose}. Fix that cell or remove the column.{hint}")


def _numeric(cells: list[str], lines: list[int], column: str, purpose: str = "") -> np.ndarray:
    """A column of text cells -> ``(N,)`` float64, or the error of its first bad cell."""
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        values = None
    if values is not None and np.all(np.abs(values) <= FLOAT32_MAX):  # NaN fails too
        return values
    for line, cell in zip(lines, cells):
        if not _is_number(cell) or not np.isfinite(float(cell)):
            raise _cell_error(line, column, cell, purpose)
        if abs(float(cell)) > FLOAT32_MAX:
            raise DataError(f"Row {line}, column '{column}' contains {cell}, a number too "
                            f"large for LayerLab (above {FLOAT32_MAX:.3g}). Rescale that "
                            f"column or fix the cell.")
    raise AssertionError("unreachable: a bad cell must exist")  # pragma: no cover


def _target_index(header: list[str], target_column: str | int | None) -> int:
    if target_column is None:
        return len(header) - 1
    if isinstance(target_column, int):
        if not -len(header) <= target_column < len(header):
            raise DataError(f"The target column number {target_column} does not exist: the "
                            f"file has {len(header)} columns (numbered from 0).")
        return target_column % len(header)
    if target_column in header:
        return header.index(target_column)
    listed = ", ".join(f"'{h}'" for h in header)
    raise DataError(f"The file has no column named '{target_column}'. Its columns are: "
                    f"{listed}.")


def _target(cells: list[str], lines: list[int], name: str, task: str
            ) -> tuple[np.ndarray, str, int, list[str]]:
    if task != CLASSIFICATION:
        if task == "regression" or all(_is_number(c) for c in cells):
            values = _numeric(cells, lines, name, ", so it cannot be a regression target")
            return encode_target(values, task, f"The target column '{name}'")
    for line, cell in zip(lines, cells):
        if cell.lower() in MISSING:
            raise _cell_error(line, name, cell, "")
    return encode_target(np.array(cells), CLASSIFICATION, f"The target column '{name}'")


def load_csv(path: str | Path, target_column: str | int | None = None,
             has_header: bool | str = "auto", task: str = "auto") -> RawData:
    """A CSV file -> ``RawData`` with ``x: (N, F)`` float32 and ``y`` (see ``encode_target``).

    ``target_column``: a column name, or a 0-based column number (negative counts from the
    end); by default the last column. ``has_header``: True, False or "auto".
    """
    header, data = _split_header(read_rows(path), has_header)
    if len(header) < 2:
        raise DataError(f"The CSV file '{path}' has only one column; it needs at least one "
                        f"input column and one target column.")
    data = _rectangular(header, data)
    if not data:
        raise DataError(f"The CSV file '{path}' has a header but no data rows.")
    t = _target_index(header, target_column)
    lines = [line for line, _ in data]
    columns = list(zip(*(cells for _, cells in data)))
    features = [j for j in range(len(header)) if j != t]
    x = np.stack([_numeric(list(columns[j]), lines, header[j]) for j in features], axis=1)
    y, task, n_classes, class_names = _target(list(columns[t]), lines, header[t], task)
    kind = f"{n_classes} classes" if task == CLASSIFICATION else "regression"
    return RawData(x.astype(np.float32), y, task, n_classes, [header[j] for j in features],
                   class_names, f"CSV '{Path(path).name}': {len(x)} rows, {len(features)} "
                   f"inputs, target '{header[t]}' ({kind})")
