"""Template bodies: `{{name}}` placeholders with optional defaults, `{{first_name|there}}`.

A placeholder names `number`, a standard contact attribute (first_name, last_name, email) or
an attribute key the template declares; any other name is refused when the template is
saved, so a typo fails once at creation instead of once per recipient. A placeholder without
a default whose attribute a contact lacks (or has empty) is a row error at send time: the
message is not sent with a hole in it. Pure code, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from smscast.contacts.schemas import ATTRIBUTE_KEY

__all__ = ["STANDARD", "Compiled", "Placeholder", "TemplateProblem", "compile_body", "render"]

STANDARD = frozenset({"number", "first_name", "last_name", "email"})
_PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")
_NAME = re.compile(ATTRIBUTE_KEY)


@dataclass(frozen=True, slots=True)
class Placeholder:
    name: str
    default: str | None


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    code: str  # template_syntax, invalid_placeholder, unknown_placeholder
    message: str


@dataclass(frozen=True, slots=True)
class Compiled:
    parts: tuple[str | Placeholder, ...]

    @property
    def placeholders(self) -> list[Placeholder]:
        return [p for p in self.parts if isinstance(p, Placeholder)]


def compile_body(body: str, declared: Iterable[str] = ()) -> tuple[Compiled, list[TemplateProblem]]:
    """Parse `body`; the problems list is empty when the template may be saved."""
    allowed = STANDARD | set(declared)
    parts: list[str | Placeholder] = []
    problems: list[TemplateProblem] = []
    at = 0
    for match in _PLACEHOLDER.finditer(body):
        _literal(body[at : match.start()], at, parts, problems)
        name, sep, default = match.group(1).partition("|")
        name = name.strip()
        if not _NAME.match(name):
            problems.append(
                TemplateProblem(
                    "invalid_placeholder",
                    f"{{{{{match.group(1)[:40]}}}}} at position {match.start()} is not "
                    "a placeholder name",
                )
            )
        elif name not in allowed:
            problems.append(
                TemplateProblem(
                    "unknown_placeholder",
                    f"{{{{{name}}}}} is not number, first_name, last_name, email or an "
                    "attribute the template declares",
                )
            )
        parts.append(Placeholder(name, default.strip() if sep else None))
        at = match.end()
    _literal(body[at:], at, parts, problems)
    return Compiled(tuple(parts)), problems


def _literal(
    text: str, at: int, parts: list[str | Placeholder], problems: list[TemplateProblem]
) -> None:
    for token in ("{{", "}}"):
        found = text.find(token)
        if found >= 0:
            problems.append(
                TemplateProblem("template_syntax", f"unbalanced {token!r} at position {at + found}")
            )
    if text:
        parts.append(text)


def render(compiled: Compiled, values: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The text for one recipient, and the placeholders it could not fill."""
    out: list[str] = []
    missing: list[str] = []
    for part in compiled.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        value = values.get(part.name)
        if value is None or value == "":
            if part.default is None:
                missing.append(part.name)
                continue
            value = part.default
        out.append(_text(value))
    return "".join(out), missing


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
