"""Links: find them in a body, shorten them per message, follow short URLs, count clicks."""

from smscast.links.codes import is_code, new_code
from smscast.links.detection import FoundLink, find_links, replace_links
from smscast.links.service import LinkService, Scope, Target
from smscast.links.shortener import Shortened, Shortener

__all__ = [
    "FoundLink",
    "LinkService",
    "Scope",
    "Shortened",
    "Shortener",
    "Target",
    "find_links",
    "is_code",
    "new_code",
    "replace_links",
]
