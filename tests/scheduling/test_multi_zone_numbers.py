"""A number that maps to several zones must have its window hold in all of them; the zone
comes from a fixed zone, else the contact's, else the number, else the account's."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from smscast.scheduling import MOSCOW, QuietHours, Window, is_open, schedule, zones_for
from tests.scheduling.instants import utc

NEVADA = "+17752345678"  # area code 775 spans Pacific and (around Boise) Mountain time
LA, BOISE = ZoneInfo("America/Los_Angeles"), ZoneInfo("America/Boise")
MARKETING = Window(quiet_hours=QuietHours())


def test_us_area_code_spanning_two_zones_gives_both() -> None:
    assert zones_for(NEVADA) == (BOISE, LA)


def test_quiet_hours_wait_for_the_latest_morning() -> None:
    now = utc(2024, 1, 10, 15, 30)  # 07:30 PST, 08:30 MST
    result = schedule(MARKETING, zones_for(NEVADA), now)
    assert result.due_at == utc(2024, 1, 10, 16)  # 08:00 PST
    assert result.reason == "quiet hours until 2024-01-10 08:00 America/Los_Angeles"


def test_quiet_hours_stop_at_the_earliest_evening() -> None:
    evening = utc(2024, 1, 11, 4, 30)  # 20:30 PST, but 21:30 MST
    assert is_open(MARKETING, [LA], evening)
    assert not is_open(MARKETING, zones_for(NEVADA), evening)
    assert schedule(MARKETING, zones_for(NEVADA), evening).due_at == utc(2024, 1, 11, 16)


def test_russian_mobile_number_holds_in_every_zone_it_may_be_in() -> None:
    zones = zones_for("+79161234567")  # non-geographic: every zone of calling code +7
    assert len(zones) > 10
    due = schedule(MARKETING, zones, utc(2024, 1, 10)).due_at
    for zone in zones:
        assert time(8) <= due.astimezone(zone).time() < time(21), zone


def test_fixed_zone_beats_contact_zone_beats_number() -> None:
    assert zones_for(NEVADA, contact_zone="Europe/Paris") == (ZoneInfo("Europe/Paris"),)
    fixed = zones_for(NEVADA, contact_zone="Europe/Paris", fixed_zone=MOSCOW)
    assert fixed == (ZoneInfo(MOSCOW),)


def test_unparseable_number_falls_back_to_the_account_zone() -> None:
    assert zones_for("not a number", default_zone="Europe/Berlin") == (ZoneInfo("Europe/Berlin"),)


def test_invalid_number_falls_back_to_its_calling_codes_zones() -> None:
    zones = zones_for("+70000000000")
    assert ZoneInfo("Europe/Moscow") in zones
    assert all(z.key != "Etc/Unknown" for z in zones)


def test_zones_are_cached_per_number() -> None:
    zones_for("+12125550123")
    hits = zones_for.cache_info().hits
    assert zones_for("+12125550123") == (ZoneInfo("America/New_York"),)
    assert zones_for.cache_info().hits == hits + 1
