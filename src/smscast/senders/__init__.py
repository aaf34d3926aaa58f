"""Senders (long code, short code, toll-free, alphanumeric) with approval and validity,
the contacts assigned to each (sender codes), where each kind may send (`countries`), and
what a segment costs (`prices` pure, `pricing` on the database). Kept light: batch worker
processes import `countries` and `prices`."""

__all__: list[str] = []
