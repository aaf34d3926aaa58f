"""Is the database's schema the one this code expects? Shared by /readyz and `smscast doctor`.

Three answers, because a rolling release passes through all of them: `current` (the database
is at this code's migration heads), `behind` (it lacks migrations this code knows: run
`smscast db upgrade`), `ahead` (it holds revisions this code has never seen: a newer release
migrated it, and this process is the old code still running until it is restarted). Only
`behind` makes a process unready; an old process must keep serving while the release rolls.
"""

from __future__ import annotations

from typing import Literal

from alembic.script import ScriptDirectory

from smscast.config import Settings
from smscast.migrate import alembic_config

__all__ = ["SchemaState", "schema_state"]

SchemaState = Literal["current", "behind", "ahead"]

_KNOWN: dict[str, tuple[frozenset[str], frozenset[str]]] = {}  # by script location


def _scripts(settings: Settings) -> tuple[frozenset[str], frozenset[str]]:
    """(heads, every known revision) of this code; the files do not change while it runs."""
    cfg = alembic_config(settings)
    location = cfg.get_main_option("script_location") or ""
    if location not in _KNOWN:
        script = ScriptDirectory.from_config(cfg)
        known = frozenset(r.revision for r in script.walk_revisions())
        _KNOWN[location] = (frozenset(script.get_heads()), known)
    return _KNOWN[location]


def schema_state(current: set[str], settings: Settings) -> tuple[SchemaState, str]:
    """Compare the database's revisions with this code's; return the state and a sentence."""
    heads, known = _scripts(settings)
    if current == heads:
        return "current", f"at {', '.join(sorted(heads))}"
    unknown = current - known
    if unknown:
        return (
            "ahead",
            f"database at {', '.join(sorted(current))}, newer than this code "
            f"({', '.join(sorted(heads))}): restart it on the new release",
        )
    have = ", ".join(sorted(current)) or "no schema"
    return (
        "behind",
        f"database at {have}, this code needs {', '.join(sorted(heads))}: run `smscast db upgrade`",
    )
