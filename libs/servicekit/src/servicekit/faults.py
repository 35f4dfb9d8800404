"""Deterministic crash points for the crash tests.

A test starts a process with FAULT_INJECTION=<point>; when the code reaches that point the
process dies at once (os._exit, like SIGKILL: no cleanup, no flush), exactly where a real crash
would hurt most. Unset in production, where `hit` is a string comparison and nothing more.
"""

from __future__ import annotations

import os
import sys

RELAY_BEFORE_PUBLISH = "relay.before_publish"
RELAY_AFTER_PUBLISH = "relay.after_publish"
CONSUMER_AFTER_EFFECT = "consumer.after_effect"

_armed = {point for point in os.environ.get("FAULT_INJECTION", "").split(",") if point}


def hit(point: str) -> None:
    """Die here if the test armed this point."""
    if point in _armed:
        sys.stderr.write(f"fault injection: crashing at {point}\n")
        sys.stderr.flush()
        os._exit(86)
