"""Worker tests own their database (the worker claims every due message in it)."""

from __future__ import annotations

import pytest

from smscast.services import Services
from tests.conftest import make_tenant
from tests.dispatch.conftest import own_services

__all__ = ["own_services"]


@pytest.fixture
async def own_tenant(own_services: Services):
    return await make_tenant(own_services)
