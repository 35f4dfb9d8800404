"""`python -m invoicing.fetch_rules DEST`: fetch the official rules for a real installation.

The repository never holds the rules. A real installation fetches the same files the tests use
from their publishers, each pinned by version and checked by SHA-256, into DEST, and points
EINVOICE_RULES_DIR at DEST. A file whose bytes differ from the pinned SHA-256 is refused and
nothing is left half-written. (The development machines have the rules beside the repository,
and cannot reach the publishers: this command needs the internet.)
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# OpenPEPPOL peppol-bis-invoice-3, release 3.0.19 (commit 78d7f7d, 2025-05-29); it pins the CEN
# EN 16931 rules (CEN artefacts 1.3.14.1) beside its own.
PEPPOL = "https://raw.githubusercontent.com/OpenPEPPOL/peppol-bis-invoice-3/78d7f7d"
# OASIS UBL 2.1 OS (2013).
UBL = "https://docs.oasis-open.org/ubl/os-UBL-2.1/xsd"


@dataclass(frozen=True)
class Pinned:
    """One file: where it comes from, where it goes, and what its bytes must hash to."""

    url: str
    path: str
    sha256: str


def _xsd(part: str, sha256: str) -> Pinned:
    return Pinned(f"{UBL}/{part}", f"ubl-2.1-xsd/{part}", sha256)


FILES: tuple[Pinned, ...] = (
    Pinned(
        f"{PEPPOL}/rules/sch/PEPPOL-EN16931-UBL.sch",
        "peppol-bis-3/rules/sch/PEPPOL-EN16931-UBL.sch",
        "2840f5158f7bbdbf3b3f5d2ea391b9ac9e649e1fdbba8502bd8c15ec52924f23",
    ),
    Pinned(
        f"{PEPPOL}/rules/sch/CEN-EN16931-UBL.sch",
        "peppol-bis-3/rules/sch/CEN-EN16931-UBL.sch",
        "3c4d9d9161eca5f0a7e02d8a83975a90838439364d7c34007e8e4a32f342be1e",
    ),
    Pinned(
        f"{PEPPOL}/rules/examples/base-example.xml",
        "peppol-bis-3/rules/examples/base-example.xml",
        "1b7cc3ff1834c8963f2c93f30f171b58002cbf0b2c52dc8765e7e83aebb9f7c9",
    ),
    _xsd(
        "maindoc/UBL-Invoice-2.1.xsd",
        "40fae8cb436f3a9506d7acce65ba162caef3b0bed4d5cbc0992b2153ded4edf4",
    ),
    _xsd(
        "maindoc/UBL-CreditNote-2.1.xsd",
        "a54651b1225052f811bf2ba01346f13f2454e7cc3e0be290c91dd680dc7b7b1a",
    ),
    _xsd(
        "common/CCTS_CCT_SchemaModule-2.1.xsd",
        "dd546e4809df86b6445589f69f0d6c9df162840ae386574ddfc1da7638103e15",
    ),
    _xsd(
        "common/UBL-CommonAggregateComponents-2.1.xsd",
        "939172ad8dd057cd403e7f763f6532184dd5ed4b9de24c42ebb35db4792ba613",
    ),
    _xsd(
        "common/UBL-CommonBasicComponents-2.1.xsd",
        "bd4ad043ee1d9da1c7f8018dabf739cfafdfb59143d0d16b9ef769e6b7c408a7",
    ),
    _xsd(
        "common/UBL-CommonExtensionComponents-2.1.xsd",
        "ad7a4e490978adfbcfc5ec0bb20941cf11ac960ccf0c4de8791a7c731a8dbe87",
    ),
    _xsd(
        "common/UBL-CommonSignatureComponents-2.1.xsd",
        "3db472305f029bba5c1ae157bfd0178f715c3f9b94bd8e6c557dbce5e88da874",
    ),
    _xsd(
        "common/UBL-CoreComponentParameters-2.1.xsd",
        "8be3379dbdcbcc7802fafdd16bac72c48fff1c0bb364213a31a17911dd06100b",
    ),
    _xsd(
        "common/UBL-ExtensionContentDataType-2.1.xsd",
        "fcee77a11870208e6377ea6311b9f2a050bca24bdad8606ea02d71e9f9e72f8d",
    ),
    _xsd(
        "common/UBL-QualifiedDataTypes-2.1.xsd",
        "7dcb156e610239c97ae70940cf4653b88e48c3595bf5f56a2204a32e2893e6cf",
    ),
    _xsd(
        "common/UBL-SignatureAggregateComponents-2.1.xsd",
        "17bb6b62d709b4fd81449a37655af36aa6a1276ad4fdb1b2e249a5ed4b7c2172",
    ),
    _xsd(
        "common/UBL-SignatureBasicComponents-2.1.xsd",
        "cef924d7ba3d1d8ade14469325cde1364f8c174e46f0198ec02da8e9e748a489",
    ),
    _xsd(
        "common/UBL-UnqualifiedDataTypes-2.1.xsd",
        "09052d406b4293e2a5f9c2bfee6df10ad4d8d5f0b36e24a6349d7f7936d89eb6",
    ),
    _xsd(
        "common/UBL-XAdESv132-2.1.xsd",
        "a4f726bcf8cc3f7d9ffa4dab99e005535a8e8b60dced1e5d94578d2e05afa96e",
    ),
    _xsd(
        "common/UBL-XAdESv141-2.1.xsd",
        "1fa4625e9cefcb7a9abb5ac1b64315547450031eece8a55bd584e4ba4b79dbc1",
    ),
    _xsd(
        "common/UBL-xmldsig-core-schema-2.1.xsd",
        "101909c9f06456d61ddcc4fb982f1d40dc357b439f393b1a2eb46e42acd60809",
    ),
)


class PinMismatch(Exception):
    """A fetched file is not the pinned one."""


def checked(pinned: Pinned, data: bytes) -> bytes:
    """The bytes, when their SHA-256 is the pinned one."""
    digest = hashlib.sha256(data).hexdigest()
    if digest != pinned.sha256:
        raise PinMismatch(f"{pinned.url}: SHA-256 {digest}, pinned {pinned.sha256}; refused")
    return data


def fetch(destination: Path, opener: urllib.request.OpenerDirector | None = None) -> None:
    """Fetch every pinned file into `destination`; all or nothing."""
    opener = opener or urllib.request.build_opener()
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".rules-") as scratch:
        staging = Path(scratch) / "rules"
        for pinned in FILES:
            with opener.open(pinned.url, timeout=60) as answer:
                data = checked(pinned, answer.read())
            target = staging / pinned.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if destination.exists():
            raise FileExistsError(f"{destination} exists; choose a new folder")
        staging.rename(destination)


def verify(directory: Path) -> list[str]:
    """Which pinned files in a rules directory are missing or differ (empty: all good)."""
    problems = []
    for pinned in FILES:
        path = directory / pinned.path
        if not path.is_file():
            problems.append(f"{pinned.path}: missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != pinned.sha256:
            problems.append(f"{pinned.path}: not the pinned version")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Fetch into DEST, or with --verify check an existing rules directory."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("destination", type=Path)
    parser.add_argument("--verify", action="store_true", help="only check an existing folder")
    args = parser.parse_args(argv)
    if args.verify:
        problems = verify(args.destination)
        for problem in problems:
            print(problem, file=sys.stderr)
        print("all pinned files present and unchanged" if not problems else "not as pinned")
        return 1 if problems else 0
    fetch(args.destination)
    print(f"rules fetched into {args.destination}; set EINVOICE_RULES_DIR={args.destination}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
