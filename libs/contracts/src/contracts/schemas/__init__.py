"""Generated JSON Schemas of every contract, checked in so a test catches accidental breaks."""

from pathlib import Path

SCHEMA_DIR = Path(__file__).parent
"""Where the generated schema files live inside the installed package."""

__all__ = ["SCHEMA_DIR"]
