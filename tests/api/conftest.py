"""Fixtures: an emulated camera on loopback and a client pointed at it."""

from __future__ import annotations

import logging
import traceback
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, quote_plus

import aiohttp
import pytest
from yarl import URL

from custom_components.excelsense.api import ExcelSenseClient, alarm as alarm_module
from tests.emulator import EmulatedCamera

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

USERNAME = "admin"
# Every character that breaks a hand-built URL or query string.
PASSWORD = "p@ss:w/rd?#&=% +"
API_LOGGER = "custom_components.excelsense.api"
# The password as it may appear once encoded by someone.
PASSWORD_FORMS = (
    PASSWORD,
    quote(PASSWORD, safe=""),
    quote_plus(PASSWORD),
    URL("http://h/").with_query(password=PASSWORD).raw_query_string.split("=", 1)[1],
)


def assert_no_password(text: str) -> None:
    """Fail if any form of the password is in ``text``."""
    for form in PASSWORD_FORMS:
        assert form not in text, f"password leaked: {text!r}"


def error_text(err: BaseException) -> str:
    """Everything a log line could show of an exception: str, repr, traceback."""
    parts = [str(err), repr(err), *traceback.format_exception(err)]
    parts.extend(repr(arg) for arg in err.args)
    cause = err.__cause__
    while cause is not None:
        parts.extend((str(cause), repr(cause)))
        cause = cause.__cause__
    return "\n".join(parts)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the integration tests' autouse fixture.

    The client is a library of its own: its tests run without Home Assistant
    (no ``hass`` instance), against the emulator as their test double.
    """


@pytest.fixture
async def camera(socket_enabled: None) -> AsyncIterator[EmulatedCamera]:
    """A started ToughEye emulator on 127.0.0.1 with a URL-hostile password."""
    async with EmulatedCamera(username=USERNAME, password=PASSWORD) as cam:
        yield cam


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """The caller's HTTP session."""
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
def make_client(
    camera: EmulatedCamera, session: aiohttp.ClientSession
) -> Callable[..., ExcelSenseClient]:
    """Build a client for the camera; keyword arguments override the defaults."""

    def make(**overrides: object) -> ExcelSenseClient:
        options: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": camera.port,
            "username": USERNAME,
            "password": PASSWORD,
            "session": session,
            "request_timeout": 2,
            "busy_backoff": 0.01,
        } | overrides
        return ExcelSenseClient(**options)

    return make


@pytest.fixture
def client(make_client: Callable[..., ExcelSenseClient]) -> ExcelSenseClient:
    """A client for the camera with tiny timeouts and backoff."""
    return make_client()


@pytest.fixture(autouse=True)
def no_password_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """After every test: no captured log line holds the password."""
    caplog.set_level(logging.DEBUG, logger=API_LOGGER)
    yield
    records = [
        *caplog.get_records("setup"),
        *caplog.get_records("call"),
        *caplog.records,  # teardown so far
    ]
    for record in records:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += error_text(record.exc_info[1])
        assert_no_password(text)


@pytest.fixture
def seen_errors() -> Iterator[list[BaseException]]:
    """Collect the errors a test provoked; none may show the password."""
    errors: list[BaseException] = []
    yield errors
    for err in errors:
        assert_no_password(error_text(err))


class ExpectError(Protocol):
    """Await something that must fail; get the (recorded) error back."""

    async def __call__[E: BaseException](
        self, error_type: type[E], awaitable: Awaitable[object]
    ) -> E:
        """Await ``awaitable``, which must raise ``error_type``."""


@pytest.fixture
def expect_error(seen_errors: list[BaseException]) -> ExpectError:
    """Check an awaitable raises; every such error is checked for the password."""

    async def expect[E: BaseException](
        error_type: type[E], awaitable: Awaitable[object]
    ) -> E:
        with pytest.raises(error_type) as info:
            await awaitable
        seen_errors.append(info.value)
        return info.value

    return expect


@pytest.fixture
def fast_restore(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink the backoff between the alarm operation's retried steps."""
    monkeypatch.setattr(alarm_module, "STEP_BACKOFF", 0.01)
