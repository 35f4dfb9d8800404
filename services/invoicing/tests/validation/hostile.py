"""What an attacker sends, and a web server that notes every request it gets.

The server runs in its own process: saxonche keeps the GIL while it works, so a server on a
thread of the test process could never answer a fetch that slipped through; the test would
hang instead of failing.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"

SERVER = """
import http.server, sys
hits = sys.argv[1]
class Recorder(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(hits, "a") as log:
            log.write(self.path + "\\n")
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.end_headers()
        self.wfile.write(b'<!ENTITY leak "from-the-server">')
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
print(server.server_port, flush=True)
server.serve_forever()
"""


@dataclass
class RecordingServer:
    """A local web server; `hits` lists the paths it was asked for."""

    url: str
    hits_file: Path

    @property
    def hits(self) -> list[str]:
        return self.hits_file.read_text().split() if self.hits_file.exists() else []


@contextmanager
def recording_server(folder: Path) -> Iterator[RecordingServer]:
    """Start the recorder on a free loopback port; stop it afterwards."""
    hits = folder / "hits.log"
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(hits)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield RecordingServer(f"http://127.0.0.1:{port}", hits)
    finally:
        process.terminate()
        process.wait(timeout=10)


def invoice(body: str = "", prolog: str = "") -> bytes:
    """A UBL Invoice root around `body`, with `prolog` (a DOCTYPE, say) in front."""
    return f'{prolog}<Invoice xmlns="{INVOICE_NS}">{body}</Invoice>'.encode()


def billion_laughs() -> bytes:
    """Ten entities, each ten of the one before: 10^9 'lol's if expanded."""
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    return invoice("<Note>&lol9;</Note>", f"<!DOCTYPE Invoice [{''.join(levels)}]>")


def quadratic_blowup() -> bytes:
    """One 100 kB entity referenced 100,000 times: 10 GB if expanded, no nesting needed."""
    return invoice("&big;" * 100_000, f'<!DOCTYPE Invoice [<!ENTITY big "{"A" * 100_000}">]>')


def external_entity(uri: str) -> bytes:
    """XXE: an entity whose value is whatever `uri` holds."""
    return invoice("<Note>&xxe;</Note>", f'<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "{uri}">]>')


def external_dtd(uri: str) -> bytes:
    """A DOCTYPE pointing at a DTD elsewhere."""
    return invoice("", f'<!DOCTYPE Invoice SYSTEM "{uri}">')


def parameter_entities(uri: str) -> bytes:
    """A parameter entity that pulls a DTD (and its entities) from `uri`."""
    return invoice(
        "<Note>&leak;</Note>", f'<!DOCTYPE Invoice [<!ENTITY % remote SYSTEM "{uri}"> %remote;]>'
    )


def xinclude(uri: str) -> bytes:
    """An XInclude that would paste `uri` in as text."""
    return invoice(
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{uri}" parse="text"/>'
    )


def timed(call: object) -> tuple[BaseException | None, float]:
    """Run call(); the exception it raised (if any) and how long it took."""
    started = time.perf_counter()
    try:
        call()  # type: ignore[operator]
    except BaseException as error:  # the tests look at whatever came out
        return error, time.perf_counter() - started
    return None, time.perf_counter() - started
