"""How replies travel: `{"ok": true, "result": {...}}` or `{"ok": false, "problem": {...}}`."""

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from pydantic_core import to_json

from contracts.commands.base import ProblemReply, Reply

ResultT = TypeVar("ResultT", bound=Reply)


class MalformedReply(ValueError):
    """The bytes that came back are not a reply of the expected contract."""


class ResultReply(BaseModel, Generic[ResultT]):
    """A reply on the wire saying the command or query succeeded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ok: Literal[True] = True
    result: ResultT


class RefusedReply(BaseModel):
    """A reply on the wire saying the service refused, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ok: Literal[False] = False
    problem: ProblemReply


_ADAPTERS: dict[type[Reply], TypeAdapter[Any]] = {}


def _adapter(result_model: type[ResultT]) -> TypeAdapter[ResultReply[ResultT] | RefusedReply]:
    if result_model not in _ADAPTERS:
        # The union is built per result model at run time; mypy cannot follow a variable here.
        either: Any = ResultReply[result_model] | RefusedReply  # type: ignore[valid-type]
        _ADAPTERS[result_model] = TypeAdapter(either)
    adapter: TypeAdapter[ResultReply[ResultT] | RefusedReply] = _ADAPTERS[result_model]
    return adapter


def ok_reply(result: Reply) -> bytes:
    """The bytes of a successful reply carrying `result`."""
    return to_json({"ok": True, "result": result})


def problem_reply(problem: ProblemReply) -> bytes:
    """The bytes of a refusal carrying `problem`."""
    return to_json({"ok": False, "problem": problem})


def parse_reply(raw: bytes | str, result_model: type[ResultT]) -> ResultT | ProblemReply:
    """The result, or the service's refusal; `MalformedReply` when it is neither."""
    try:
        wire = _adapter(result_model).validate_json(raw)
    except ValidationError as error:
        raise MalformedReply(f"not a {result_model.__name__} reply: {error}") from error
    return wire.result if isinstance(wire, ResultReply) else wire.problem


__all__ = [
    "MalformedReply",
    "RefusedReply",
    "ResultReply",
    "ok_reply",
    "parse_reply",
    "problem_reply",
]
