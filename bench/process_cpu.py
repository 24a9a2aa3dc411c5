"""CPU time of processes from Linux /proc (proc(5): utime + stime of /proc/PID/stat), for benchmarks."""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _parsed(stat: str) -> tuple[str, list[str]]:
    return stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()


def cpu_of(pid: int) -> float:
    """The CPU seconds process ``pid`` has used so far."""
    _, rest = _parsed(Path(f"/proc/{pid}/stat").read_text())
    return (int(rest[11]) + int(rest[12])) / TICK


def cpu_by_process() -> dict[int, tuple[int, str, float]]:
    """Every process: (parent pid, command name, CPU seconds so far)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = _parsed(stat)
        found[int(entry.name)] = (int(rest[1]), name, (int(rest[11]) + int(rest[12])) / TICK)
    return found


def spent(before: dict, after: dict, wanted) -> float:
    """CPU seconds spent between two readings by the processes ``wanted(pid, name, table)`` picks; a
    process that ended in between is not counted."""
    total = 0.0
    for pid, (_, name, seconds) in after.items():
        if wanted(pid, name, after):
            total += seconds - (before[pid][2] if pid in before else 0.0)
    return total


def descends_from(pid: int, ancestors: set[int], table: dict) -> bool:
    while pid > 1:
        if pid in ancestors:
            return True
        pid = table.get(pid, (1, "", 0.0))[0]
    return False
