"""Process trees from Linux ``/proc``, for the benchmarks that sum a server's workers."""

from __future__ import annotations

import os


def process_stats() -> dict[int, list[str]]:
    """The fields of every process's ``/proc/PID/stat`` after its name (field 3 onwards)."""
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stream:
                stats[int(entry)] = stream.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
    return stats


def descendants(pid: int, stats: dict[int, list[str]] | None = None) -> list[int]:
    """*pid* and every process below it."""
    children: dict[int, list[int]] = {}
    for child, fields in (process_stats() if stats is None else stats).items():
        children.setdefault(int(fields[1]), []).append(child)
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found
