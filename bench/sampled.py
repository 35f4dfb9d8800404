"""`BENCH_SAMPLED_MODULE=identity python -m bench.sampled`: a service under a sampling profiler.

py-spy is not installed, so this samples every thread's Python stack itself
(sys._current_frames) every few milliseconds. SIGUSR1 starts a fresh recording, SIGUSR2
writes it as JSON to $BENCH_SAMPLE_OUT. For each thread it counts, per function, the samples
in which the thread was busy (not waiting in select, a lock or a queue) with the function on the
stack (inclusive) and on top of it (own), like a profiler's cumulative and own time.
The sampler must win the GIL to look, so code that releases it (SQLite calls, socket writes)
is seen more readily than pure Python; a short switch interval narrows that bias.
Only for diagnosis: the default benchmark runs services unsampled.
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType

INTERVAL = 0.002
# A thread whose top frame is one of these is waiting, not working.
IDLE = ("selectors.py:select", "threading.py:wait", "thread.py:_worker", "queue.py:get")


def _where(frame: FrameType) -> str:
    code = frame.f_code
    parts = Path(code.co_filename).parts
    short = "/".join(parts[-2:])
    return f"{short}:{code.co_name}"


class Sampler:
    """Counts stacks of every thread but its own while recording."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.recording = False
        self.samples = 0
        self.inclusive: dict[str, Counter[str]] = {}
        self.own: dict[str, Counter[str]] = {}
        self.busy: Counter[str] = Counter()
        self.began = 0.0

    def start(self, *_: object) -> None:
        """Forget what was counted; count from now on."""
        self.inclusive, self.own, self.busy, self.samples = {}, {}, Counter(), 0
        self.began = time.perf_counter()
        self.recording = True

    def dump(self, *_: object) -> None:
        """Stop counting and write the counts."""
        self.recording = False
        wall = time.perf_counter() - self.began
        record = {
            "interval_s": INTERVAL,
            "wall_s": wall,
            "samples": self.samples,
            "threads": {
                name: {
                    "busy": self.busy[name],
                    "inclusive": self.inclusive[name].most_common(60),
                    "own": self.own[name].most_common(30),
                }
                for name in self.inclusive
            },
        }
        self.out.write_text(json.dumps(record, indent=1))

    def run(self) -> None:
        """The sampling loop (a daemon thread)."""
        me = threading.get_ident()
        while True:
            time.sleep(INTERVAL)
            if not self.recording:
                continue
            names = {t.ident: t.name for t in threading.enumerate()}
            self.samples += 1
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                name = names.get(ident, str(ident))
                top = _where(frame)
                if top.endswith(IDLE):
                    continue
                self.busy[name] += 1
                inclusive = self.inclusive.setdefault(name, Counter())
                self.own.setdefault(name, Counter())[top] += 1
                seen: set[str] = set()
                current: FrameType | None = frame
                while current is not None:
                    seen.add(_where(current))
                    current = current.f_back
                inclusive.update(seen)


def main() -> None:
    """Sample, then run the service module as __main__."""
    module = os.environ["BENCH_SAMPLED_MODULE"]
    sampler = Sampler(Path(os.environ.get("BENCH_SAMPLE_OUT", f"{module}.samples.json")))
    sys.setswitchinterval(INTERVAL / 4)
    signal.signal(signal.SIGUSR1, sampler.start)
    signal.signal(signal.SIGUSR2, sampler.dump)
    threading.Thread(target=sampler.run, name="bench-sampler", daemon=True).start()
    sys.argv = [module]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
