"""Brands: an account runs several, each with its senders, campaigns, help text and opt-out
scope."""

__all__: list[str] = []
