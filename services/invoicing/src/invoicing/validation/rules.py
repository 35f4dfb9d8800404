"""Where the official rules live: the rules directory (a setting) and what must be in it.

The files are never part of this repository. On the development machines they sit in
../shared/einvoice next to the repository; a real installation fetches the same files from
their publishers, pinned by version and sha256, and points EINVOICE_RULES_DIR at them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# From the repository root; the only way the repository names the shared folder.
DEFAULT_RELATIVE_TO_REPOSITORY = Path("..") / "shared" / "einvoice"
REPOSITORY_MARKERS = ("uv.lock", ".git")


class RulesDirectoryError(RuntimeError):
    """The rules directory is missing, incomplete, or its rules do not load."""


@dataclass(frozen=True)
class RuleSetSource:
    """One Schematron rules file and the short name findings are grouped under."""

    name: str
    relative_path: Path


RULE_SETS = (
    RuleSetSource("EN16931", Path("peppol-bis-3/rules/sch/CEN-EN16931-UBL.sch")),
    RuleSetSource("PEPPOL", Path("peppol-bis-3/rules/sch/PEPPOL-EN16931-UBL.sch")),
)
SCHEMAS = {
    "Invoice": Path("ubl-2.1-xsd/maindoc/UBL-Invoice-2.1.xsd"),
    "CreditNote": Path("ubl-2.1-xsd/maindoc/UBL-CreditNote-2.1.xsd"),
}
WARM_UP_EXAMPLE = Path("peppol-bis-3/rules/examples/base-example.xml")


@dataclass(frozen=True)
class RulesDirectory:
    """A checked rules directory: every file the validator needs is there."""

    root: Path

    @classmethod
    def check(cls, root: Path) -> RulesDirectory:
        """Refuse a missing or incomplete directory, naming what is missing and the fix."""
        if not root.is_dir():
            raise RulesDirectoryError(
                f"The e-invoicing rules directory {root} does not exist. Set EINVOICE_RULES_DIR "
                "to a folder holding the official UBL 2.1 XSD and the EN 16931 / Peppol BIS "
                f"Schematron files (here: {DEFAULT_RELATIVE_TO_REPOSITORY} from the repository "
                "root)."
            )
        needed = [s.relative_path for s in RULE_SETS] + [*SCHEMAS.values(), WARM_UP_EXAMPLE]
        missing = [str(path) for path in needed if not (root / path).is_file()]
        if missing:
            raise RulesDirectoryError(
                f"The e-invoicing rules directory {root} is incomplete; missing: "
                f"{', '.join(missing)}. Point EINVOICE_RULES_DIR at a complete copy."
            )
        return cls(root)

    def rule_set_path(self, source: RuleSetSource) -> Path:
        """The .sch file of one rule set."""
        return self.root / source.relative_path

    def schema_path(self, document_type: str) -> Path:
        """The UBL 2.1 XSD of Invoice or CreditNote."""
        return self.root / SCHEMAS[document_type]

    @property
    def warm_up_example(self) -> Path:
        """The official base example: validated once at load, and it must pass."""
        return self.root / WARM_UP_EXAMPLE


def rules_dir_from(setting: str | None) -> Path | None:
    """The rules directory: the EINVOICE_RULES_DIR setting when given, else ../shared/einvoice
    from the repository root (found from this file's location or the current directory);
    None when there is no such directory."""
    if setting:
        path = Path(setting).expanduser()
        return path if path.is_dir() else None
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        repository = _repository_root(start)
        if repository is not None:
            candidate = (repository / DEFAULT_RELATIVE_TO_REPOSITORY).resolve()
            if candidate.is_dir():
                return candidate
    return None


def _repository_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in REPOSITORY_MARKERS):
            return folder
    return None
