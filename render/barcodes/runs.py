"""Runs of dark modules in a row of a symbol: what the renderers fill as rectangles."""

from __future__ import annotations


def dark_runs(row: str) -> list[tuple[int, int]]:
    """(first module, length) of each run of '1' in `row`."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(row):
        if row[i] == "1":
            j = i
            while j < len(row) and row[j] == "1":
                j += 1
            out.append((i, j - i))
            i = j
        else:
            i += 1
    return out
