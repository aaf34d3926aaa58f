"""A price table and its lookup. Pure: batch worker processes price rows with it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["ANY", "PriceTable"]

ANY = "*"


@dataclass(frozen=True, slots=True)
class PriceTable:
    """An account's prices per segment by (connector, country); "*" matches any."""

    prices: dict[tuple[str, str], Decimal]
    currency: str | None = None

    def per_segment(self, connector: str | None, country: str | None) -> Decimal | None:
        """Lookup order: (connector, country), (connector, *), (*, country), (*, *)."""
        c, k = connector or ANY, country or ANY
        for key in ((c, k), (c, ANY), (ANY, k), (ANY, ANY)):
            price = self.prices.get(key)
            if price is not None:
                return price
        return None
