"""Write the JSON Schema of every contract: `python -m contracts.schemas.generate`."""

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from contracts.catalogue import COMMANDS, all_events
from contracts.commands.base import ProblemReply
from contracts.envelope import Envelope
from contracts.schemas import SCHEMA_DIR

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
GENERATED_DIRS = ("events", "commands")


def _document(model: type[BaseModel], schema_id: str) -> dict[str, Any]:
    schema = model.model_json_schema()
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": schema_id, **schema}


def _text(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_schemas() -> dict[str, str]:
    """Every schema file as it should be: relative POSIX path → file content."""
    files = {"envelope.json": _text(_document(Envelope, "urn:einvoice:contracts:envelope"))}
    for event in all_events():
        name = f"{event.event_type}.v{event.version}"
        files[f"events/{name}.json"] = _text(
            _document(event, f"urn:einvoice:contracts:events:{name}")
        )
    command_models: list[type[BaseModel]] = [ProblemReply]
    for contract in COMMANDS:
        command_models += [contract.request, contract.reply]
    rendered: dict[str, type[BaseModel]] = {}
    for model in command_models:
        path = f"commands/{model.__name__}.json"
        if rendered.get(path) is model:
            continue  # one reply answering several commands (the profile) is one schema
        if path in files:
            raise ValueError(f"two command contracts are both named {model.__name__}")
        rendered[path] = model
        files[path] = _text(_document(model, f"urn:einvoice:contracts:commands:{model.__name__}"))
    return files


def committed_schemas(root: Path = SCHEMA_DIR) -> dict[str, str]:
    """Every schema file on disk under `root`: relative POSIX path → file content."""
    paths = [root / "envelope.json"] if (root / "envelope.json").exists() else []
    for folder in GENERATED_DIRS:
        paths += sorted((root / folder).glob("*.json"))
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in paths}


def write_schemas(root: Path = SCHEMA_DIR) -> list[str]:
    """Bring the files under `root` in line with the code; the paths that changed."""
    wanted = render_schemas()
    present = committed_schemas(root)
    for stale in present.keys() - wanted.keys():
        (root / stale).unlink()
    changed = sorted(path for path, text in wanted.items() if present.get(path) != text)
    for path in changed:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(wanted[path], encoding="utf-8")
    return sorted([*changed, *(present.keys() - wanted.keys())])


def main() -> None:
    """Regenerate the committed schemas and say which files changed."""
    changed = write_schemas()
    for path in changed:
        print(f"updated {SCHEMA_DIR / path}")
    print(f"{len(changed)} schema file(s) changed under {SCHEMA_DIR}")


if __name__ == "__main__":
    main()
