"""Small statistics and process-memory helpers shared by the benchmarks."""

from __future__ import annotations

import math
import resource
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Latency:
    """Percentiles of a sample of durations, in milliseconds."""

    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float

    def as_dict(self) -> dict[str, Any]:
        """For the JSON record."""
        return asdict(self)

    def brief(self) -> str:
        """p50 / p99 / max in one cell."""
        if self.count == 0:
            return "n/a"
        return f"p50 {self.p50_ms:7.1f}  p99 {self.p99_ms:7.1f}  max {self.max_ms:7.1f}"


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted sample (NaN when empty)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def latency_of(seconds: Sequence[float]) -> Latency:
    """Summarise durations given in seconds."""
    values = sorted(s * 1000.0 for s in seconds)
    if not values:
        return Latency(0, math.nan, math.nan, math.nan, math.nan)
    return Latency(
        count=len(values),
        p50_ms=percentile(values, 0.50),
        p99_ms=percentile(values, 0.99),
        max_ms=values[-1],
        mean_ms=sum(values) / len(values),
    )


@dataclass(frozen=True)
class Memory:
    """Resident set size of one process now and at its peak, in MiB."""

    rss_mib: float
    peak_mib: float


def memory_of(pid: int) -> Memory | None:
    """VmRSS and VmHWM from /proc/<pid>/status; None when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields: dict[str, float] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024.0
    return Memory(fields.get("VmRSS", math.nan), fields.get("VmHWM", math.nan))


def own_peak_mib() -> float:
    """This process's peak RSS (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
