"""Where a kind of sender may be used. The one place that knows it."""

from __future__ import annotations

__all__ = ["NO_ALPHANUMERIC", "alphanumeric_allowed"]

# Destinations whose carriers do not deliver alphanumeric sender IDs (they drop or rewrite
# them): the US and Canada, and the US territories on the same numbering plan.
NO_ALPHANUMERIC: frozenset[str] = frozenset({"US", "CA", "PR", "VI", "GU", "AS", "MP"})


def alphanumeric_allowed(country: str | None) -> bool:
    """Tell whether an alphanumeric sender may send to `country` (ISO 3166; None: unknown,
    refused, since a message that might be dropped should not be sent)."""
    return country is not None and country.upper() not in NO_ALPHANUMERIC
