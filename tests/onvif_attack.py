"""Tools for attacking the ONVIF motion path from outside, in Home Assistant.

What the ONVIF motion tests (``test_onvif_motion``, ``test_onvif_faults``,
``test_onvif_faults_found``, ``test_review_findings``) share:
short back-offs and pulls, replies rewritten the way odd firmware writes
them, another ONVIF client that takes pull points, the request rates counted
where they arrive (the emulator), and the log checked for errors and secrets.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
import logging
import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.excelsense import push, session
from custom_components.excelsense.api import OnvifClient
from custom_components.excelsense.const import (
    CONF_AUTO_CLEAN_MAX_PER_DAY,
    CONF_LENS_INTERVAL,
    CONF_LIVE_VIEW_STREAM,
    CONF_MOTION_CHECK_INTERVAL,
    CONF_MOTION_SOURCE,
    CONF_RTSP_TRANSPORT,
    CONF_SNAPSHOT_QUALITY,
    DOMAIN,
)
from custom_components.excelsense.options import ExcelSenseOptions
from tests.emulator.device import Reply
from tests.waiting import eventually

from .conftest import MAC, PASSWORD, USERNAME

if TYPE_CHECKING:
    from collections.abc import Callable

    import aiohttp
    from aiohttp import web
    from homeassistant.core import Event, EventStateChangedData, HomeAssistant
    import pytest

    from custom_components.excelsense.api import OnvifSubscription
    from tests.emulator import EmulatedCamera, RequestRecord
    from tests.emulator.onvif import OnvifCall

MOTION = "binary_sensor.tougheye_motion"
ALARM = "event.tougheye_alarm"
LAST_MOTION = "image.tougheye_last_motion"
SOURCE = "sensor.tougheye_motion_source"

# Every ONVIF operation the integration sends, in the order it sends them.
OPERATIONS = (
    "GetSystemDateAndTime",
    "GetServices",
    "GetCapabilities",
    "CreatePullPointSubscription",
    "PullMessages",
    "Renew",
    "Unsubscribe",
)
SUBSCRIBING = OPERATIONS[:4]

# Shortened module constants (real time is what the tests wait for).
RETRY_DELAYS = (0.1, 0.2, 0.4, 0.8)
UNSUPPORTED_DELAYS = (0.5,)
REFUSED_DELAY = 0.5
MIN_PULL_INTERVAL = 0.25
PULL_TIMEOUT = timedelta(seconds=1)
REQUEST_TIMEOUT = 1.5

_DIGEST_SECRET = re.compile(r'\bresponse="([^"]+)"')
_TOKEN_SECRET = re.compile(rb"<wsse:(?:Password|Nonce)\b[^>]*>([^<]+)</wsse:")
# Loggers of the integration and of Home Assistant; the emulator's and its
# web server's own words are not what a user reads.
_WATCHED = ("custom_components", "homeassistant", "asyncio")
# A coordinator's one line when its data becomes unavailable (Home
# Assistant's DataUpdateCoordinator writes it at error level, once): a report,
# not an escaped exception.
_UNAVAILABLE = frozenset({"Error fetching %s data: %s", "Error requesting %s data: %s"})


def shorten(monkeypatch: pytest.MonkeyPatch) -> None:
    """Back-offs of tenths of a second, pulls held one second, quick timeouts."""
    monkeypatch.setattr(push, "RETRY_DELAYS", RETRY_DELAYS)
    monkeypatch.setattr(push, "UNSUPPORTED_DELAYS", UNSUPPORTED_DELAYS)
    monkeypatch.setattr(push, "REFUSED_DELAY", REFUSED_DELAY)
    monkeypatch.setattr(push, "MIN_PULL_INTERVAL", MIN_PULL_INTERVAL)
    monkeypatch.setattr(push, "PULL_TIMEOUT", PULL_TIMEOUT)
    monkeypatch.setattr(session, "REQUEST_TIMEOUT", REQUEST_TIMEOUT)


def record_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every wait the ONVIF loop takes before trying again, from now on."""
    waits: list[float] = []
    delay = push.OnvifPush._delay

    def recorded(self: push.OnvifPush) -> float:
        waits.append(delay(self))
        return waits[-1]

    monkeypatch.setattr(push.OnvifPush, "_delay", recorded)
    return waits


@dataclass
class Wire:
    """What reached the camera's ONVIF side: the secrets its tokens carried."""

    secrets: set[str] = field(default_factory=set)

    def listen(self, camera: EmulatedCamera) -> None:
        """Note each token's digest and nonce as the camera reads the request."""
        read = camera.onvif.read

        def reading(
            method: str, path: str, content_type: str, body: bytes, **headers: str
        ) -> OnvifCall:
            self.secrets.update(m.decode() for m in _TOKEN_SECRET.findall(body))
            # An HTTP Digest answer is a hash of the password too.
            self.secrets.update(
                _DIGEST_SECRET.findall(headers.get("authorization", ""))
            )
            return read(method, path, content_type, body, **headers)

        camera.onvif.read = reading  # type: ignore[method-assign]


def entry_for(camera: EmulatedCamera, **options: object) -> MockConfigEntry:
    """A config entry for the emulated camera, with ``options``."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="ToughEye",
        unique_id=MAC.lower(),
        data={
            "host": "127.0.0.1",
            "port": camera.port,
            "username": USERNAME,
            "password": PASSWORD,
            "ssl": False,
            "verify_ssl": True,
        },
        options=options,
    )


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add and load ``entry``."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def until(
    hass: HomeAssistant, condition: Callable[[], bool], seconds: float = 8.0
) -> None:
    """Wait (real time) until ``condition`` holds."""
    await eventually(condition, seconds, between=hass.async_block_till_done)


async def settle(hass: HomeAssistant, seconds: float) -> None:
    """Let the pulls run for ``seconds`` of real time."""
    await asyncio.sleep(seconds)
    await hass.async_block_till_done()


def state(hass: HomeAssistant, entity_id: str) -> str | None:
    """The entity's state, None when it does not exist."""
    found = hass.states.get(entity_id)
    return None if found is None else found.state


def reason(hass: HomeAssistant) -> object:
    """The motion source sensor's reason."""
    found = hass.states.get(SOURCE)
    return None if found is None else found.attributes.get("reason")


def receiving(hass: HomeAssistant) -> bool:
    """Whether motion is pushed over ONVIF now, by the source sensor's word."""
    return state(hass, SOURCE) == "onvif" and reason(hass) == "receiving"


def ops(camera: EmulatedCamera, operation: str | None = None) -> list[str]:
    """ONVIF operations the camera received (in order)."""
    found = [
        r.get("operation") or "" for r in camera.requests if r.path.startswith("/onvif")
    ]
    return [op for op in found if operation is None or op == operation]


def log_checks(camera: EmulatedCamera) -> int:
    """Alarm-log checks the camera received."""
    return sum(1 for r in camera.requests if r.get("type") == "alarmLogInfo")


def busiest_second(times: list[float]) -> int:
    """The most requests within any one second."""
    ordered = sorted(times)
    most = 0
    start = 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def assert_no_storm(camera: EmulatedCamera) -> None:
    """Pulls at least MIN_PULL_INTERVAL apart; a few ONVIF requests a second.

    push.py: "At least MIN_PULL_INTERVAL between pulls, however fast the
    reply" (a request's arrival may lag its start a little, hence one more);
    an attempt to subscribe is a few requests (clock, services, subscription)
    and RETRY_DELAYS (0.1 + 0.2 + 0.4 s) allow four attempts in a second.
    A pull whose connection was closed before any reply is sent once more at
    once (api/onvif.py): the pulls' spacing is judged on the pulls answered,
    the bound on every ONVIF request counts the resent ones too.
    """
    pulls = int(1.0 / MIN_PULL_INTERVAL) + 1
    answered = [
        r.time
        for r in camera.requests
        if r.get("operation") == "PullMessages" and r.status is not None
    ]
    assert busiest_second(answered) <= pulls
    onvif = [r.time for r in camera.requests if r.path.startswith("/onvif")]
    per_attempt = len(SUBSCRIBING)
    attempts = len(RETRY_DELAYS) + 1
    assert busiest_second(onvif) <= per_attempt * attempts + pulls


def attempts_allowed(seconds: float) -> int:
    """Subscription attempts RETRY_DELAYS allows within ``seconds`` (an upper bound).

    The first attempts come after the short delays, then one per longest delay.
    """
    short = len(RETRY_DELAYS)
    return short + 1 + int(seconds / RETRY_DELAYS[-1])


def _peer_reset(record: logging.LogRecord) -> bool:
    """Whether it is the debug line asyncio writes when a peer resets a socket."""
    return (
        record.name == "asyncio"
        and record.levelno < logging.WARNING
        and record.exc_info is not None
        and isinstance(record.exc_info[1], ConnectionResetError)
    )


def assert_quiet_log(
    caplog: pytest.LogCaptureFixture, wire: Wire | None = None
) -> None:
    """No error and no traceback in the log, and no password, digest or nonce.

    A coordinator's report that its data became unavailable is allowed, and
    so is asyncio's debug-mode note of a connection reset by its peer (the
    emulated camera's side of a pull cancelled at unload).
    """
    loud = [
        record
        for record in caplog.records
        if record.name.startswith(_WATCHED)
        and not _peer_reset(record)
        and (
            record.exc_info
            or (record.levelno >= logging.ERROR and record.msg not in _UNAVAILABLE)
        )
    ]
    assert loud == [], [record.getMessage() for record in loud]
    text = caplog.text
    hidden = {PASSWORD, quote(PASSWORD, safe=""), quote(PASSWORD)}
    if wire is not None:
        assert wire.secrets  # tokens were sent: the check means something
        hidden |= wire.secrets
    leaked = sorted(secret for secret in hidden if secret and secret in text)
    assert leaked == []


def track(hass: HomeAssistant, entity_id: str) -> list[str]:
    """Every state ``entity_id`` takes from now on."""
    seen: list[str] = []

    def listener(event: Event[EventStateChangedData]) -> None:
        new = event.data.get("new_state")
        if event.data["entity_id"] == entity_id and new is not None:
            seen.append(new.state)

    hass.bus.async_listen(EVENT_STATE_CHANGED, listener)
    return seen


def alarms(hass: HomeAssistant) -> list[dict[str, object]]:
    """The alarm event's firings from now on (their attributes)."""
    fired: list[dict[str, object]] = []

    def listener(event: Event[EventStateChangedData]) -> None:
        new = event.data.get("new_state")
        old = event.data.get("old_state")
        if (
            event.data["entity_id"] == ALARM
            and new is not None
            and new.state not in ("unknown", "unavailable")
            and (old is None or old.state != new.state)
        ):
            fired.append(dict(new.attributes))

    hass.bus.async_listen(EVENT_STATE_CHANGED, listener)
    return fired


def alarm_events(hass: HomeAssistant) -> list[dict[str, object]]:
    """Every event the alarm entity fires from now on, as test_motion counts them.

    An event is a state write with a timestamp not seen before (unknown and
    unavailable are no events).
    """
    fired: list[dict[str, object]] = []
    seen: set[str] = set()

    def listener(event: Event[EventStateChangedData]) -> None:
        new = event.data.get("new_state")
        if event.data["entity_id"] != ALARM or new is None:
            return
        if new.state not in ("unknown", "unavailable", *seen):
            seen.add(new.state)
            fired.append(dict(new.attributes))

    hass.bus.async_listen(EVENT_STATE_CHANGED, listener)
    return fired


def held_pull(camera: EmulatedCamera) -> bool:
    """Whether a PullMessages is held by the camera now."""
    return any(sub.pulling for sub in camera.onvif.events.subscriptions.values())


# ---------------------------------------------------------------- odd replies

type Rewrite = Callable[[Reply], Reply]


def rewrite(
    camera: EmulatedCamera,
    operation: str | None,
    change: Rewrite,
    count: int | None = 1,
) -> list[Reply]:
    """Send ``change(reply)`` for the next ``count`` replies to ``operation``.

    ``operation`` None: every ONVIF operation; ``count`` None: for good.

    The camera does the operation as ever (a pull held now included); only
    what it sends back differs. Returns the replies changed, as sent.
    """
    send = camera._send
    changed: list[Reply] = []

    def sending(record: RequestRecord, reply: Reply) -> web.Response:
        wanted = record.path.startswith("/onvif") and (
            operation is None or record.get("operation") == operation
        )
        if wanted and (count is None or len(changed) < count):
            reply = change(reply)
            changed.append(reply)
        return send(record, reply)

    camera._send = sending  # type: ignore[method-assign]
    return changed


def soap12(body: str) -> Reply:
    """A SOAP 1.2 reply around ``body`` (the namespaces ONVIF replies declare)."""
    return Reply(
        (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"'
            ' xmlns:tev="http://www.onvif.org/ver10/events/wsdl"'
            ' xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"'
            ' xmlns:tt="http://www.onvif.org/ver10/schema"'
            ' xmlns:tns1="http://www.onvif.org/ver10/topics">'
            f"<env:Body>{body}</env:Body></env:Envelope>"
        ).encode(),
        "application/soap+xml; charset=utf-8",
    )


def notification(
    topic: str,
    value: str,
    *,
    item: str = "IsMotion",
    operation: str = "Changed",
    namespaces: str = "",
) -> str:
    """One wsnt:NotificationMessage (ONVIF Core 9.4.1's format)."""
    return (
        f"<wsnt:NotificationMessage {namespaces}>"
        '<wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/'
        f'ConcreteSet">{topic}</wsnt:Topic>'
        '<wsnt:Message><tt:Message UtcTime="2026-01-01T00:00:00.000Z"'
        f' PropertyOperation="{operation}">'
        '<tt:Source><tt:SimpleItem Name="Rule" Value="MotionDetection"/></tt:Source>'
        f'<tt:Data><tt:SimpleItem Name="{item}" Value="{value}"/></tt:Data>'
        "</tt:Message></wsnt:Message></wsnt:NotificationMessage>"
    )


def pull_reply(*messages: str) -> Rewrite:
    """A PullMessagesResponse holding ``messages`` (times from the real reply)."""

    def change(reply: Reply) -> Reply:
        text = reply.body.decode()
        times = re.search(
            r"<tev:CurrentTime>.*?</tev:TerminationTime>", text, flags=re.DOTALL
        )
        assert times is not None
        return soap12(
            "<tev:PullMessagesResponse>"
            f"{times.group(0)}{''.join(messages)}</tev:PullMessagesResponse>"
        )

    return change


CELL_MOTION = "tns1:RuleEngine/CellMotionDetector/Motion"


# ---------------------------------------------------------------- another client


@dataclass
class OtherClient:
    """Another ONVIF client of the same camera (an NVR), taking pull points."""

    camera: EmulatedCamera
    session: aiohttp.ClientSession
    held: list[OnvifSubscription] = field(default_factory=list)

    async def take(self, count: int) -> None:
        """Subscribe ``count`` times (the pull points are held until released)."""
        client = OnvifClient(
            host="127.0.0.1",
            username=USERNAME,
            password=PASSWORD,
            session=self.session,
            port=self.camera.port,
        )
        await client.clock()
        for _ in range(count):
            self.held.append(await client.subscribe(timedelta(minutes=10)))

    async def release(self, count: int = 1) -> None:
        """Unsubscribe ``count`` of the pull points taken."""
        for _ in range(count):
            await self.held.pop().unsubscribe()


# ---------------------------------------------------------------- options


async def choose_options(
    hass: HomeAssistant, entry: MockConfigEntry, **changes: object
) -> None:
    """Store options through the options flow, as a user would."""
    current = ExcelSenseOptions.from_config_entry(entry)
    form: dict[str, object] = {
        CONF_SNAPSHOT_QUALITY: current.snapshot_quality,
        CONF_LIVE_VIEW_STREAM: str(current.live_view_stream),
        CONF_RTSP_TRANSPORT: current.rtsp_transport,
        CONF_MOTION_SOURCE: current.motion_source,
        CONF_MOTION_CHECK_INTERVAL: int(current.motion_check_interval.total_seconds()),
        CONF_LENS_INTERVAL: int(current.lens_interval.total_seconds() // 60),
        CONF_AUTO_CLEAN_MAX_PER_DAY: current.auto_clean_max_per_day,
    }
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**form, **changes}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
