"""When a message may be sent: send windows, recipient time zones, quiet hours.

Pure code, no I/O. At accept time `schedule` turns a `Window` into a `Schedule` (due_at,
expires_at, and why); at claim time the dispatch worker calls `next_due`, which pushes a
message whose window closed while it sat in a backlog to the next window, or says it should
expire. `zones_for` picks the clock(s) a recipient's window is read on.
"""

from smscast.scheduling.models import NoSendWindow, QuietHours, Schedule, Window
from smscast.scheduling.service import HORIZON, clear_caches, is_open, next_due, schedule
from smscast.scheduling.zones import MOSCOW, country_for, zones_for

__all__ = [
    "HORIZON",
    "MOSCOW",
    "NoSendWindow",
    "QuietHours",
    "Schedule",
    "Window",
    "clear_caches",
    "country_for",
    "is_open",
    "next_due",
    "schedule",
    "zones_for",
]
