"""Conformance test fixtures: an emulated camera on loopback, no Home Assistant."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
import pytest

from tests.emulator import EmulatedCamera, ManualClock

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

# The credentials of the document's examples (admin/admin, line 32) are the
# emulator's factory credentials too.
USERNAME = "admin"
PASSWORD = "admin"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the integration tests' autouse fixture: no Home Assistant here."""


@pytest.fixture
def clock() -> ManualClock:
    """The camera's clock."""
    return ManualClock()


@pytest.fixture
async def cam(
    socket_enabled: None, clock: ManualClock
) -> AsyncIterator[EmulatedCamera]:
    """A started ToughEye on 127.0.0.1 with the document's credentials."""
    async with EmulatedCamera(
        username=USERNAME, password=PASSWORD, clock=clock
    ) as camera:
        yield camera


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client session."""
    async with aiohttp.ClientSession() as client:
        yield client
