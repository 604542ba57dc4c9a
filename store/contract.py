"""The event contract (contracts/events/envelope.v1.json), enforced at the outbox door:
an envelope that does not match it never becomes an event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from core.settings import REPO_ROOT

ENVELOPE_SCHEMA_PATH = REPO_ROOT / "contracts" / "events" / "envelope.v1.json"


def _load(path: Path) -> Draft202012Validator:
    schema = json.loads(path.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


_validator = _load(ENVELOPE_SCHEMA_PATH)


class ContractViolation(ValueError):
    pass


def validate_envelope(envelope: dict[str, Any]) -> None:
    errors = sorted(_validator.iter_errors(envelope), key=lambda e: list(e.path))
    if errors:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e.path) or '(envelope)'}: {e.message}" for e in errors
        )
        raise ContractViolation(f"event {envelope.get('type')!r} breaks the contract: {details}")


def known_types() -> set[str]:
    schema: dict[str, Any] = dict(_validator.schema)  # type: ignore[arg-type]
    return set(schema["properties"]["type"]["enum"])
