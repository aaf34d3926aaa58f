"""Message templates: bodies with `{{attribute|default}}` placeholders (`render`, pure),
checked when saved, previewed for one contact (`service`)."""

__all__: list[str] = []
