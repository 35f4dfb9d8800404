"""`python -m devstack.kvk_fake --host H --port P [--data FILE]`: the fake KvK register."""

from __future__ import annotations

import argparse
from pathlib import Path

from devstack.kvk_fake.register import FakeRegister, load_registrations
from devstack.kvk_fake.server import serve
from devstack.logs import configure_logging


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(prog="python -m devstack.kvk_fake")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8026)
    parser.add_argument("--data", type=Path, default=None, help="registrations JSON file")
    args = parser.parse_args(argv)
    configure_logging()
    serve(args.host, args.port, FakeRegister(load_registrations(args.data)))


if __name__ == "__main__":
    main()
