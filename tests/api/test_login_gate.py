"""A refused password is not sent again and again: the client's login gate."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from custom_components.excelsense.api import (
    ExcelSenseAuthenticationError,
    ExcelSenseInvalidParameterError,
    ExcelSenseLoginPausedError,
    ExcelSenseResponseError,
)
from custom_components.excelsense.api.gate import LOGIN_ATTEMPTS, LOGIN_PAUSE
from tests.emulator import Fault

from .conftest import PASSWORD

if TYPE_CHECKING:
    from collections.abc import Callable

    from freezegun.api import FrozenDateTimeFactory

    from custom_components.excelsense.api import ExcelSenseClient
    from tests.emulator import EmulatedCamera


def _sent(camera: EmulatedCamera) -> int:
    return len(camera.requests)


async def test_refused_login_stops_every_request_until_the_pause_ends(
    camera: EmulatedCamera,
    make_client: Callable[..., ExcelSenseClient],
    freezer: FrozenDateTimeFactory,
) -> None:
    """One refusal holds back polls, stills and ONVIF; one retry confirms it."""
    client = make_client(password=PASSWORD + "x")
    with pytest.raises(ExcelSenseAuthenticationError):
        await client.device_port()
    sent = _sent(camera)
    for call in (
        client.date_time(),
        client.snapshot(),
        client.open_mjpeg_stream(),
        client.onvif.subscribe(),
    ):
        with pytest.raises(ExcelSenseLoginPausedError):
            await call
    assert _sent(camera) == sent  # nothing carried the refused password
    freezer.tick(LOGIN_PAUSE + 1)
    with pytest.raises(ExcelSenseAuthenticationError) as refused:
        await client.date_time()
    assert not isinstance(refused.value, ExcelSenseLoginPausedError)
    assert _sent(camera) == sent + 1
    assert client.transport.gate.refusals == 2


async def test_gate_gives_up_after_three_refusals(
    camera: EmulatedCamera,
    make_client: Callable[..., ExcelSenseClient],
    freezer: FrozenDateTimeFactory,
) -> None:
    """At most three refused logins; none after that, whatever time passes."""
    client = make_client(password=PASSWORD + "x")
    for _ in range(LOGIN_ATTEMPTS + 3):
        with pytest.raises(ExcelSenseAuthenticationError):
            await client.device_port()
        freezer.tick(LOGIN_PAUSE + 1)
    refused = [r for r in camera.requests if r.status is not None]
    assert len(refused) == LOGIN_ATTEMPTS
    assert client.transport.gate.given_up


async def test_confirming_retry_that_succeeds_opens_the_gate(
    camera: EmulatedCamera,
    make_client: Callable[..., ExcelSenseClient],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A refusal the camera does not repeat (a glitch) costs one pause only."""
    client = make_client()
    camera.device.state.users["admin"].password = "changed"
    with pytest.raises(ExcelSenseAuthenticationError):
        await client.device_port()
    camera.device.state.users["admin"].password = PASSWORD
    freezer.tick(LOGIN_PAUSE + 1)
    assert (await client.device_port()).http_port == camera.port
    assert not client.transport.gate.closed
    await client.date_time()


async def test_a_live_view_refused_closes_the_gate_and_follows_no_redirect(
    camera: EmulatedCamera,
    make_client: Callable[..., ExcelSenseClient],
    freezer: FrozenDateTimeFactory,
) -> None:
    """The MJPEG live view is one more request that carries the password.

    Refused, it holds the next requests back like any other; opened after a
    refusal it is not sent. A redirect is not followed: the request's query,
    password included, would go wherever the reply points.
    """
    client = make_client(password=PASSWORD + "x")
    with pytest.raises(ExcelSenseAuthenticationError):
        await client.open_mjpeg_stream()
    sent = _sent(camera)
    with pytest.raises(ExcelSenseLoginPausedError):
        await client.date_time()
    assert _sent(camera) == sent
    freezer.tick(LOGIN_PAUSE + 1)
    camera.device.state.users["admin"].password = PASSWORD + "x"
    response = await client.open_mjpeg_stream()  # the confirming request
    response.close()
    assert not client.transport.gate.closed

    camera.inject(
        Fault(
            "http_status",
            path="video.cgi",
            status=302,
            location=f"http://127.0.0.1:{camera.port}/elsewhere{{path}}?{{query}}",
        )
    )
    sent = _sent(camera)
    with pytest.raises(ExcelSenseResponseError):
        await client.open_mjpeg_stream()
    assert _sent(camera) == sent + 1


async def test_device_info_answered_without_login_does_not_open_the_gate(
    camera: EmulatedCamera,
    make_client: Callable[..., ExcelSenseClient],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Some firmware answers deviceInfo unchecked: that proves nothing."""
    camera.quirks.device_info_without_auth = True
    client = make_client(password=PASSWORD + "x")
    with pytest.raises(ExcelSenseAuthenticationError):
        await client.device_port()
    freezer.tick(LOGIN_PAUSE + 1)
    await client.device_info()
    assert client.transport.gate.closed
    freezer.tick(LOGIN_PAUSE + 1)
    with pytest.raises(ExcelSenseAuthenticationError):
        await client.device_port()
    assert client.transport.gate.refusals == 2


async def test_invalid_username_of_an_account_command_is_no_refused_login(
    camera: EmulatedCamera,
    make_client: Callable[..., ExcelSenseClient],
) -> None:
    """-507 to Modify User may name the account changed, not our login.

    The document's error codes: "-507 Invalid username"; Modify User names
    the account it changes ("user=..."). Such a reply is a refused
    parameter, the gate stays open and the next request goes out.
    """
    camera.faults.append(
        Fault("error", path="param.cgi", params={"type": "User"}, code=-507)
    )
    client = make_client()
    with pytest.raises(ExcelSenseInvalidParameterError):
        await client.modify_user("nobody", "secret")
    assert not client.transport.gate.refusals
    await client.device_port()
