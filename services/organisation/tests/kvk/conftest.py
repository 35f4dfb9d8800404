"""Recorded KvK answers served through httpx's MockTransport, and the fake KvK as a process."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from devstack import KvkFakeProcess, free_port
from organisation.kvk import HttpKvkRegister

ANSWERS = Path(__file__).parent / "answers"
BASE_URL = "https://api.kvk.nl/test/api"
TEST_KEY = "l7xx1f2691f2520d487b902f4e0b57a0b197"


def recorded(name: str) -> Any:
    """One recorded KvK answer body from answers/<name>.json."""
    return json.loads((ANSWERS / f"{name}.json").read_text())


@dataclass
class RecordedKvk:
    """Answers by path: (status, body or recording name, headers); remembers every request."""

    answers: dict[str, tuple[int, Any, dict[str, str]]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def answer(
        self, path: str, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> None:
        """Answer GETs of `path` (under /test/api) with this status and body."""
        self.answers[path] = (status, body, headers or {})

    def handle(self, request: httpx.Request) -> httpx.Response:
        """The MockTransport handler."""
        self.requests.append(request)
        path = request.url.path.removeprefix("/test/api")
        if path not in self.answers:
            return httpx.Response(404, text="<html>not here</html>")
        status, body, headers = self.answers[path]
        if isinstance(body, str):
            body = recorded(body)
        return httpx.Response(status, json=body, headers=headers)


@pytest.fixture
def kvk() -> RecordedKvk:
    """The recorded register; tests tell it what to answer."""
    return RecordedKvk()


@pytest.fixture
async def register(kvk: RecordedKvk) -> AsyncIterator[HttpKvkRegister]:
    """The real HTTP adapter talking to the recorded answers."""
    client = HttpKvkRegister(BASE_URL, TEST_KEY, 2.0, transport=httpx.MockTransport(kvk.handle))
    yield client
    await client.aclose()


@pytest.fixture(scope="module")
def kvk_fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KvkFakeProcess]:
    """devstack's fake KvK register as its own process on a free port."""
    logs = tmp_path_factory.mktemp("kvk-fake")
    process = KvkFakeProcess(free_port(), log_file=logs / "kvk-fake.log")
    process.start()
    try:
        yield process
    finally:
        process.stop()
