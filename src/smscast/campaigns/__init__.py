"""Campaigns: name, reference (sendsms `campaign-ref`), brand, default sender, traffic type
and status (`states`); their counters sum their batches and messages (`service`)."""

__all__: list[str] = []
