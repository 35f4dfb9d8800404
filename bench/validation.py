"""bench/validation: our Validator.validate against the bare compiled stylesheets plus XSD.

    python -m bench.validation [--rounds 3] [--base-seconds 2] [--large-seconds 8] [--lines 1000]

In one process, in one run, for two documents: the official Peppol base example
(peppol-bis-3/rules/examples/base-example.xml) and a 1,000-line invoice grown from it with
its totals recomputed (it stays valid):

- bare: what any validator must do at least. lxml parses the bytes and checks the UBL 2.1
  XSD, Saxon parses the bytes and runs the two compiled stylesheets (EN 16931 and Peppol BIS,
  the XSLT our compiler made), the SVRL left as a string;
- ours: Validator.validate (safe parse with the DOCTYPE pass, XSD, the tree handed to Saxon,
  both rule sets, the findings read into a ValidationReport).

Bare and ours alternate in rounds (the order flips every round), so a neighbour's load meets
both alike. Target: ours >= 0.8 x the bare rate for each document. Also: the RSS of this
process and of one validate_async worker process after it validated the large invoice.
Prints the report and writes the JSON to var/bench/validation-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from invoicing.validation import Validator, load_validator, rules_dir_from
from invoicing.validation.samples import invoice_with_lines
from invoicing.validation.saxon_rules import saxon
from lxml import etree

from bench.diagnose import others_busy_cores
from bench.report import write_json
from bench.stats import latency_of, memory_of, own_peak_mib
from bench.system import code_state

SHARE = 0.8  # ours >= 0.8 x bare
BASE_EXAMPLE = "peppol-bis-3/rules/examples/base-example.xml"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.validation", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base-seconds", type=float, default=2.0, help="per side per round")
    parser.add_argument("--large-seconds", type=float, default=8.0, help="per side per round")
    parser.add_argument("--lines", type=int, default=1000)
    return parser.parse_args(argv)


def bare_validation(validator: Validator) -> Callable[[bytes], None]:
    """XSD plus the compiled stylesheets, run directly, nothing read back."""
    schema = validator.schemas.schema("Invoice")
    processor = saxon()

    def run(data: bytes) -> None:
        root = etree.fromstring(data)
        if not schema.validate(root):
            raise AssertionError("bare: the document is not schema-valid")
        document = processor.parse_xml(xml_text=data.decode("utf-8"), encoding="UTF-8")
        for rule_set in validator.rule_sets:
            rule_set.raw(document)

    return run


def our_validation(validator: Validator) -> Callable[[bytes], None]:
    def run(data: bytes) -> None:
        if not validator.validate(data).valid:
            raise AssertionError("ours: the document is not valid")

    return run


def timed_for(run: Callable[[bytes], None], data: bytes, seconds: float) -> list[float]:
    """Validate back to back for about `seconds` (at least twice); each one's duration."""
    durations: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(durations) < 2:
        started = time.perf_counter()
        run(data)
        durations.append(time.perf_counter() - started)
    return durations


def measure(
    sides: dict[str, Callable[[bytes], None]], data: bytes, seconds: float, rounds: int
) -> dict[str, Any]:
    samples: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    for round_number in range(rounds):
        order = names if round_number % 2 == 0 else list(reversed(names))
        for name in order:
            samples[name].extend(timed_for(sides[name], data, seconds))
    figures: dict[str, Any] = {}
    for name, durations in samples.items():
        figures[name] = {
            **latency_of(durations).as_dict(),
            "per_second": len(durations) / sum(durations),
        }
    figures["ratio"] = figures["ours"]["per_second"] / figures["bare"]["per_second"]
    figures["passed"] = figures["ratio"] >= SHARE
    figures["bytes"] = len(data)
    return figures


async def worker_memory(validator: Validator, data: bytes) -> dict[str, Any]:
    """RSS of one validate_async worker process after it validated `data`."""
    pids = await validator.start_workers()
    await validator.validate_async(data)
    memory = memory_of(next(iter(pids)))
    return {"rss_mib": memory.rss_mib, "peak_mib": memory.peak_mib} if memory else {}


def report(record: dict[str, Any], path: Path) -> bool:
    lines = [
        "",
        f"bench/validation  {record['started']}  {record['machine']['cpus']} CPUs, "
        f"Python {record['machine']['python']}, commit {record['code']['commit']}",
        f"  other processes busy before the run: {record['others_busy_cores']:.2f} cores; "
        f"load and compile of the rules: {record['load_seconds']:.1f} s",
    ]
    passed = True
    for name, figures in record["documents"].items():
        lines.append(f"  {name} ({figures['bytes'] / 1024:.0f} KiB)")
        for side, label in (("bare", "bare XSD + stylesheets"), ("ours", "Validator.validate")):
            side_figures = figures[side]
            lines.append(
                f"    {label:<24} p50 {side_figures['p50_ms']:8.1f} ms  p99 "
                f"{side_figures['p99_ms']:8.1f} ms  {side_figures['per_second']:8.1f}/s  "
                f"({side_figures['count']} runs)"
            )
        verdict = "PASS" if figures["passed"] else "MISS"
        lines.append(f"    target ours >= {SHARE} x bare: {figures['ratio']:.2f} x  {verdict}")
        passed = passed and figures["passed"]
    memory = record["memory"]
    lines += [
        f"  memory: this process RSS {memory['rss_mib']:.0f} MiB (peak {memory['peak_mib']:.0f}); "
        f"one validate_async worker {memory['worker'].get('rss_mib', float('nan')):.0f} MiB "
        f"(peak {memory['worker'].get('peak_mib', float('nan')):.0f})",
        f"  JSON: {path}",
    ]
    print("\n".join(lines))
    return passed


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    rules_dir = rules_dir_from(os.environ.get("EINVOICE_RULES_DIR"))
    if rules_dir is None:
        print("bench/validation: no rules directory (set EINVOICE_RULES_DIR); nothing measured")
        return 2
    record: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "code": code_state(),
        "args": vars(args),
        "others_busy_cores": others_busy_cores(),
    }
    started = time.perf_counter()
    validator = load_validator(rules_dir, workers=1)
    record["load_seconds"] = time.perf_counter() - started
    base = (rules_dir / BASE_EXAMPLE).read_bytes()
    large = invoice_with_lines(base, args.lines)
    sides = {"bare": bare_validation(validator), "ours": our_validation(validator)}
    try:
        record["documents"] = {
            "base example": measure(sides, base, args.base_seconds, args.rounds),
            f"{args.lines}-line invoice": measure(sides, large, args.large_seconds, args.rounds),
        }
        status = memory_of(os.getpid())
        record["memory"] = {
            "rss_mib": status.rss_mib if status else float("nan"),
            "peak_mib": own_peak_mib(),
            "worker": asyncio.run(worker_memory(validator, large)),
        }
    finally:
        validator.close()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = write_json(record, Path("var/bench") / f"validation-{stamp}.json")
    return 0 if report(record, path) else 1


if __name__ == "__main__":
    sys.exit(main())
