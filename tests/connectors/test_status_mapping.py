"""Every carrier status maps to one stable code, and says whether a retry can succeed."""

from __future__ import annotations

import pytest

from smscast.connectors.smpp.errors import error_for_status


@pytest.mark.parametrize(
    ("status", "code", "permanent"),
    [
        (0x58, "throttled", False),
        (0x14, "queue_full", False),
        (0x08, "system_error", False),
        (0x0B, "invalid_destination", True),
        (0x0A, "invalid_source", True),
        (0x01, "invalid_message_length", True),
        (0x45, "carrier_error_0x45", True),
        (0x400, "carrier_error_0x400", True),
    ],
)
def test_status_maps_to_code_and_permanence(status, code, permanent):
    error = error_for_status(status)
    assert (error.code, error.permanent, error.carrier_status) == (code, permanent, status)
