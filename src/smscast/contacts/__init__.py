"""Contacts (E.164 number, attributes, time zone), named recipient lists and their members;
CSV import (`importer`)."""

__all__: list[str] = []
