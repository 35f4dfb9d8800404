"""Validation off the event loop: a pool of worker processes, each with its own Validator.

Why processes and not threads: saxonche keeps the GIL for the whole of a transformation
(measured: a 1,000-line invoice holds it for about a second), so a validation on a thread
would still stop the event loop, and two threads validate no faster than one. Each worker
process has its own interpreter, GIL and Saxon; `validation_workers` (a setting) sets how
many. Workers are spawned, not forked: forking a process that runs Saxon's native runtime
and its threads is not safe.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from lxml import etree

from invoicing.validation.findings import ValidationReport
from invoicing.validation.intake import parse_safely

if TYPE_CHECKING:
    from invoicing.validation.engine import Validator

_worker_validator: Validator | None = None

T = TypeVar("T")


def _start_worker(rules_dir: str, max_bytes: int) -> None:
    """In the worker: end with the service, then compile and warm this process's own
    validator once."""
    global _worker_validator
    _exit_with(os.getppid())
    from invoicing.validation.engine import load_validator

    _worker_validator = load_validator(Path(rules_dir), workers=1, max_bytes=max_bytes)


def _exit_with(parent: int) -> None:
    """Exit when the service process that started this worker is gone.

    A service killed outright (SIGKILL, the out-of-memory killer) cannot stop its workers, and
    they would not notice: the pool's call queue is open for writing in the worker too, so its
    read never ends. Each would wait for work for ever, holding its Saxon runtime's memory
    (seen: the workers of every invoicing process chaos's kill storm had killed).
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-service", daemon=True).start()


def _validate_in_worker(data: bytes) -> ValidationReport:
    assert _worker_validator is not None, "worker started without its validator"
    return _worker_validator.validate(data)


def _validate_and_read_in_worker(
    data: bytes, read: Callable[[etree._Element], T]
) -> tuple[ValidationReport, T | None]:
    assert _worker_validator is not None, "worker started without its validator"
    root = parse_safely(data, _worker_validator.max_bytes)
    report = _worker_validator.validate_tree(root)
    return report, (read(root) if report.valid else None)


def _worker_pid() -> int:
    return os.getpid()


class ValidationPool:
    """Worker processes, started on first use (or by start()), replaced if one dies."""

    def __init__(self, rules_dir: Path, *, workers: int, max_bytes: int) -> None:
        if workers < 1:
            raise ValueError("validation needs at least one worker process")
        self.rules_dir = rules_dir
        self.workers = workers
        self.max_bytes = max_bytes
        self._executor: ProcessPoolExecutor | None = None

    def _ensure(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(str(self.rules_dir), self.max_bytes),
            )
        return self._executor

    async def start(self) -> set[int]:
        """Spawn every worker and wait until each has compiled and warmed its rules;
        returns their process ids."""
        loop = asyncio.get_running_loop()
        executor = self._ensure()
        # As many calls at once as workers: the executor spawns a process per waiting call.
        pids = await asyncio.gather(
            *(loop.run_in_executor(executor, _worker_pid) for _ in range(self.workers))
        )
        return set(pids)

    async def validate(self, data: bytes) -> ValidationReport:
        """validate() in a worker; DocumentRefused comes back as it was raised there."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._ensure(), _validate_in_worker, data)
        except BrokenProcessPool:
            # A worker died (killed, out of memory): start afresh and try this document once
            # more; a document that kills workers every time fails the second attempt too.
            self.close()
            return await loop.run_in_executor(self._ensure(), _validate_in_worker, data)

    async def validate_and_read(
        self, data: bytes, read: Callable[[etree._Element], T]
    ) -> tuple[ValidationReport, T | None]:
        """validate() in a worker and, when the document is valid, `read(root)` of the tree it
        parsed there (a module-level function: it crosses to the worker by name), so a
        submission parses the document once and not on the event loop. An exception `read`
        raises comes back as it was raised there (it must pickle as itself)."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._ensure(), _validate_and_read_in_worker, data, read
            )
        except BrokenProcessPool:
            self.close()  # as validate(): afresh, and this document once more
            return await loop.run_in_executor(
                self._ensure(), _validate_and_read_in_worker, data, read
            )

    def close(self) -> None:
        """Stop the workers."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
