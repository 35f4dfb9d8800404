"""Stand-in for a service module: records its env, then idles until SIGTERM.

FAKE_EXIT_CODE=N exits at once with N; FAKE_IGNORE_TERM=1 ignores SIGTERM.
A SIGINT is recorded as a file, so tests can prove the terminal's Ctrl-C never
reached a child.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType


def _record(kind: str) -> Path:
    folder = Path(os.environ["VAR_DIR"]) / "fake"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{kind}-{os.getpid()}"


def main() -> None:
    # Written aside, then renamed: a test that sees the file never reads it half-written.
    env = _record("env").with_suffix(".json")
    partial = env.with_suffix(".partial")
    partial.write_text(json.dumps(dict(os.environ)))
    partial.replace(env)
    if "FAKE_EXIT_CODE" in os.environ:
        print("fake service failing on purpose", flush=True)
        sys.exit(int(os.environ["FAKE_EXIT_CODE"]))

    def on_int(_signum: int, _frame: FrameType | None) -> None:
        _record("sigint").touch()
        sys.exit(1)

    signal.signal(signal.SIGINT, on_int)
    if os.environ.get("FAKE_IGNORE_TERM"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    _record("up").touch()  # handlers installed: from now on SIGTERM means a clean exit
    print("fake service up", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
