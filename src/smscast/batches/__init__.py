"""Batches: a CSV file, or a template or message for named lists, turned into messages.

csvfile (reading uploads) -> store (parts in the database) -> rows (checking, in worker
processes; pure) -> processor (duplicates, opt-outs, writing) -> service (the API's
operations and the state machine of `states`). Import from the modules: this package stays
light because worker processes import `rows`.
"""

__all__: list[str] = []
