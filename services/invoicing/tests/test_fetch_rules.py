"""The rules fetcher keeps to its pins: the right bytes land, any other bytes are refused."""

from __future__ import annotations

import email.message
import io
import urllib.request
import urllib.response
from pathlib import Path

import pytest
from invoicing.fetch_rules import FILES, PinMismatch, fetch, verify
from invoicing.validation import rules_dir_from


class Publisher(urllib.request.BaseHandler):
    """Answers every https URL from a local copy, optionally with altered bytes."""

    handler_order = 100  # before urllib's own HTTPS handler, so nothing leaves the machine

    def __init__(self, root: Path, tamper: str | None = None) -> None:
        self.root = root
        self.tamper = tamper
        self.asked: list[str] = []

    def https_open(self, request: urllib.request.Request) -> object:
        url = request.full_url
        self.asked.append(url)
        pinned = next(p for p in FILES if p.url == url)
        data = (self.root / pinned.path).read_bytes()
        if self.tamper and pinned.path.endswith(self.tamper):
            data += b"<!-- changed -->"
        answer = urllib.response.addinfourl(io.BytesIO(data), email.message.Message(), url, 200)
        answer.msg = "OK"  # what urllib's error processor reads
        return answer


@pytest.fixture
def official() -> Path:
    found = rules_dir_from(None)
    if found is None:
        pytest.skip("the official rules are not beside the repository (../shared/einvoice)")
    return found


def test_the_shared_rules_are_exactly_the_pinned_versions(official: Path) -> None:
    assert verify(official) == []


def test_fetching_writes_every_pinned_file(official: Path, tmp_path: Path) -> None:
    publisher = Publisher(official)
    fetch(tmp_path / "rules", urllib.request.build_opener(publisher))
    assert verify(tmp_path / "rules") == []
    assert len(publisher.asked) == len(FILES)
    assert all(url.startswith("https://") for url in publisher.asked)


def test_a_file_that_is_not_the_pinned_one_is_refused_and_nothing_is_left(
    official: Path, tmp_path: Path
) -> None:
    publisher = Publisher(official, tamper="PEPPOL-EN16931-UBL.sch")
    with pytest.raises(PinMismatch):
        fetch(tmp_path / "rules", urllib.request.build_opener(publisher))
    assert not (tmp_path / "rules").exists()
    assert list(tmp_path.iterdir()) == []
