"""An ONVIF pull-point subscription: pull its events, renew it, end it.

Sources: ONVIF Core Specification, "Real-time Pull-Point Notification
Interface" (CreatePullPointSubscription, PullMessages, Renew, Unsubscribe,
the pull point lifecycle) and the event WSDL's actions; WS-BaseNotification
1.3 (Renew, Unsubscribe).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import logging
import re
import time
from typing import TYPE_CHECKING, Protocol

from .exceptions import (
    ExcelSenseNotSupportedError,
    ExcelSenseResponseError,
    ExcelSenseSubscriptionLostError,
    ExcelSenseValidationError,
)
from .onvif_events import OnvifEvent, parse_datetime, parse_notifications
from .reader import parse_number
from .soap import (
    Addressing,
    ArgumentRefusedError,
    PullLimitsError,
    TermRefusedError,
    reference_parameter,
    response,
    xaddr_path,
)
from .validation import check_int, check_number

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .safexml import Node

    class Send(Protocol):
        """The client's request: path, operation, body; the reply's SOAP Body."""

        async def __call__(
            self,
            path: str,
            operation: str,
            body: str,
            *,
            action: str,
            missing: type[ExcelSenseResponseError],
            addressing: Addressing | None = None,
            wait: float = 0.0,
            optional: bool = False,
        ) -> Node:
            """Send one request (``optional``: a refusal is no refused login)."""


EVENTS_NAMESPACE = "http://www.onvif.org/ver10/events/wsdl"
_WSNT = "http://docs.oasis-open.org/wsn/b-2"
_MANAGER_PORT = "http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager"
_LOGGER = logging.getLogger(__name__)

# The soapAction of each event operation in the event WSDL.
ACTIONS = {
    "CreatePullPointSubscription": (
        f"{EVENTS_NAMESPACE}/EventPortType/CreatePullPointSubscriptionRequest"
    ),
    "PullMessages": f"{EVENTS_NAMESPACE}/PullPointSubscription/PullMessagesRequest",
    "Renew": f"{_MANAGER_PORT}/RenewRequest",
    "SetSynchronizationPoint": (
        f"{EVENTS_NAMESPACE}/PullPointSubscription/SetSynchronizationPointRequest"
    ),
    "Unsubscribe": f"{_MANAGER_PORT}/UnsubscribeRequest",
}
# The most messages read from one reply (and asked for in one pull): what a
# reply within the client's 256 KB limit holds (some 450 bytes a message).
MAX_PULL_MESSAGES = 500
# "The device shall support a Timeout of at least one minute."
PULL_TIMEOUT = timedelta(seconds=60)
PULL_LIMIT = 100
TERMINATION = timedelta(minutes=10)
# The term assumed for a pull point whose camera chose the term itself and
# does not say when it ends (no CurrentTime or TerminationTime in its reply):
# WS-BaseNotification lets a producer pick any term; a minute (the pull
# Timeout every camera must take) has it renewed before every pull.
UNKNOWN_TERM = timedelta(seconds=60)
# The shortest pull a camera's limit may bring us to.
_SHORTEST_PULL = timedelta(seconds=1)


def refuses_duration(err: ExcelSenseResponseError) -> bool:
    """Whether ``err`` may be a camera refusing a relative termination time.

    ONVIF Core 9.1.1 guarantees the relative form for InitialTerminationTime
    only ("A device shall support an absolute time value specified in utc as
    well as a relative time value for the InitialTerminationTime
    parameter"); WS-BaseNotification Renew may take either, and cameras that
    take only the absolute one answer a duration with
    UnacceptableTerminationTimeFault or ter:InvalidArgVal (onvif-zeep-async
    sends them an absolute time: ``has_broken_relative_time``).
    """
    return isinstance(err, TermRefusedError | ArgumentRefusedError)


# xs:duration of days to seconds (years and months have no fixed length).
_DURATION = re.compile(
    r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", re.IGNORECASE
)


def parse_duration(text: str | None) -> timedelta | None:
    """An xs:duration ("PT30S", "PT1M", "P0DT0H1M0S"); None if unreadable."""
    match = _DURATION.fullmatch(text.strip()) if text else None
    if match is None or not any(match.groups()):
        return None
    days, hours, minutes, seconds = (float(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


async def create_subscription(
    create: Callable[[str], Awaitable[Node]],
    send: Send,
    termination: timedelta | datetime,
    camera_time: Callable[[], datetime],
    *,
    absolute: bool,
) -> OnvifSubscription:
    """CreatePullPointSubscription, ``termination`` in a form the camera takes.

    ``create`` sends a request body; ``absolute``: the camera took only an
    absolute time before, so a duration is sent as one. A duration refused
    (``refuses_duration``) is asked for as an absolute time, which is then
    kept (the subscription's ``absolute``), then for no term at all: the
    camera chooses, its pulls keep the pull point alive.
    """
    term = termination if isinstance(termination, timedelta) else None
    if absolute and term is not None:
        termination = camera_time() + term
    sent = time.monotonic()
    try:
        try:
            reply = await create(create_request(termination))
        except ExcelSenseResponseError as err:
            if term is None or absolute or not refuses_duration(err):
                raise
            _LOGGER.debug("A relative term was refused: %s", err)
            reply = await create(create_request(camera_time() + term))
            absolute = True
    except ExcelSenseResponseError as err:
        if not refuses_duration(err):
            raise
        _LOGGER.debug("The termination time was refused: %s", err)
        sent, term = time.monotonic(), None
        reply = await create(create_request(None))
    return OnvifSubscription.from_reply(
        send, reply, sent=sent, term=term, camera_time=camera_time, absolute=absolute
    )


def iso_duration(value: timedelta) -> str:
    """An xs:duration in seconds ("PT60S", "PT0.5S")."""
    seconds = value.total_seconds()
    if seconds.is_integer():
        return f"PT{int(seconds)}S"
    return f"PT{seconds:.3f}".rstrip("0") + "S"


def termination_text(value: timedelta | datetime) -> str:
    """A relative (duration) or absolute (UTC, 'Z') termination time."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ExcelSenseValidationError(
                "termination", "must carry a time zone", reason="time_zone"
            )
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    check_number("termination", value.total_seconds(), low=1)
    return iso_duration(value)


def create_request(termination: timedelta | datetime | None) -> str:
    """A CreatePullPointSubscription for every event (no filter).

    Without ``termination`` the camera chooses (ONVIF Core: the
    InitialTerminationTime is optional; pulls keep the pull point alive).
    """
    initial = (
        ""
        if termination is None
        else "<tev:InitialTerminationTime>"
        f"{termination_text(termination)}"
        "</tev:InitialTerminationTime>"
    )
    return (
        f'<tev:CreatePullPointSubscription xmlns:tev="{EVENTS_NAMESPACE}">'
        f"{initial}"
        "</tev:CreatePullPointSubscription>"
    )


class OnvifSubscription:
    """A pull-point subscription.

    ``address`` is its path (and query) on the configured host;
    ``current_time`` and ``termination_time`` are the camera's last word on
    them, in its clock, None where it said nothing readable. ``absolute``:
    Renew asks for an absolute time (the camera refused a duration).
    """

    __slots__ = (
        "_camera_time",
        "_clock",
        "_deadline",
        "_most_messages",
        "_most_timeout",
        "_parameters",
        "_send",
        "_to",
        "absolute",
        "address",
        "current_time",
        "termination_time",
    )

    def __init__(
        self,
        send: Send,
        *,
        address: str,
        to: str,
        reference_parameters: tuple[str, ...] = (),
        camera_time: Callable[[], datetime] | None = None,
        absolute: bool = False,
    ) -> None:
        """Keep how the camera named the subscription.

        ``camera_time`` is now in the camera's clock (the client's), used for
        an absolute Renew when no reply said what time the camera has.
        """
        self._send = send
        self._to = to
        self._parameters = reference_parameters
        self._camera_time = camera_time or (lambda: datetime.now(UTC))
        self.absolute = absolute
        self.address = address
        self.current_time: datetime | None = None
        self.termination_time: datetime | None = None
        # The camera's last CurrentTime and when (monotonic) it was read.
        self._clock: tuple[datetime, float] | None = None
        # When (monotonic) the pull point ends, as far as we know.
        self._deadline = time.monotonic() + UNKNOWN_TERM.total_seconds()
        # The longest wait and most messages a pull may ask for, once the
        # camera said (PullMessagesFaultResponse).
        self._most_timeout: timedelta | None = None
        self._most_messages: int | None = None

    @classmethod
    def from_reply(
        cls,
        send: Send,
        reply: Node,
        *,
        sent: float,
        term: timedelta | None,
        camera_time: Callable[[], datetime] | None = None,
        absolute: bool = False,
    ) -> OnvifSubscription:
        """The subscription a CreatePullPointSubscriptionResponse names.

        ``sent`` is when (monotonic) the request went out, asking for
        ``term`` (None: the camera chose).
        """
        what = "ONVIF CreatePullPointSubscription"
        created = response(reply, "CreatePullPointSubscriptionResponse", what)
        reference = created.child("SubscriptionReference")
        address = reference.path_text("Address") if reference is not None else None
        if reference is None or not address:
            msg = f"Reply to {what} has no subscription address"
            raise ExcelSenseResponseError(None, msg)
        parameters = reference.child("ReferenceParameters")
        subscription = cls(
            send,
            address=xaddr_path(address, what),
            to=address,
            reference_parameters=tuple(
                reference_parameter(node)
                for node in (parameters.children if parameters is not None else ())
            ),
            camera_time=camera_time,
            absolute=absolute,
        )
        subscription._times_from(created, sent, term)
        return subscription

    def __repr__(self) -> str:
        """The address and the termination time."""
        return (
            f"OnvifSubscription(address={self.address!r}, "
            f"termination_time={self.termination_time!r})"
        )

    async def pull(
        self,
        timeout: timedelta = PULL_TIMEOUT,  # noqa: ASYNC109 - the camera's wait, sent
        limit: int = PULL_LIMIT,
    ) -> list[OnvifEvent]:
        """Wait up to ``timeout`` for events (PullMessages); [] when none came.

        The camera answers as soon as it has a message, else at the timeout;
        the HTTP request waits that long plus the client's request timeout.
        A camera that names lower limits (PullMessagesFaultResponse) is asked
        again within them at once, and from then on.
        """
        try:
            return await self._pull(timeout, limit)
        except PullLimitsError as err:
            if not self._take_limits(err, timeout, limit):
                raise
            _LOGGER.debug("Pulls limited by the camera: %s", err)
            return await self._pull(timeout, limit)

    def _take_limits(
        self, err: PullLimitsError, timeout: timedelta, limit: int
    ) -> bool:
        """Keep the limits ``err`` names; whether a pull would now ask less."""
        before = self._limited(timeout, limit)
        most_timeout = parse_duration(err.max_timeout)
        if most_timeout is not None and most_timeout >= _SHORTEST_PULL:
            self._most_timeout = most_timeout
        most_messages = _whole(err.max_messages)
        if most_messages is not None and most_messages >= 1:
            self._most_messages = most_messages
        return self._limited(timeout, limit) != before

    def _limited(self, timeout: timedelta, limit: int) -> tuple[timedelta, int]:
        """``timeout`` and ``limit`` within the camera's limits."""
        if self._most_timeout is not None:
            timeout = min(timeout, self._most_timeout)
        if self._most_messages is not None:
            limit = min(limit, self._most_messages)
        return timeout, limit

    async def _pull(
        self,
        timeout: timedelta,  # noqa: ASYNC109 - the camera's wait, sent
        limit: int,
    ) -> list[OnvifEvent]:
        timeout, limit = self._limited(timeout, limit)
        seconds = check_number("timeout", timeout.total_seconds(), low=1)
        check_int("limit", limit, 1, MAX_PULL_MESSAGES)
        reply = await self._call(
            "PullMessages",
            f'<tev:PullMessages xmlns:tev="{EVENTS_NAMESPACE}">'
            f"<tev:Timeout>{iso_duration(timeout)}</tev:Timeout>"
            f"<tev:MessageLimit>{limit}</tev:MessageLimit>"
            "</tev:PullMessages>",
            wait=seconds,
        )
        pulled = response(reply, "PullMessagesResponse", "ONVIF PullMessages")
        self._times_from(pulled, None, None)
        return parse_notifications(pulled, MAX_PULL_MESSAGES)

    def time_left(self) -> timedelta:
        """How long the pull point has left, by our clock.

        From the camera's last CurrentTime and TerminationTime; a reply
        without them leaves the term asked for (or UNKNOWN_TERM) counted from
        when the pull point was made or renewed: such a camera is renewed all
        the same.
        """
        return timedelta(seconds=self._deadline - time.monotonic())

    async def renew(self, termination: timedelta | datetime = TERMINATION) -> None:
        """Move the termination time (WS-BaseNotification Renew).

        A duration the camera refuses (``refuses_duration``) is asked for
        once more as an absolute time in the camera's clock, the form then
        kept for this subscription. Cameras that keep a pull point alive by
        its pulls alone (ONVIF Core from 25.06 on) may answer
        ExcelSenseNotSupportedError; a camera that refuses the time asked for
        in both forms (UnacceptableTerminationTimeFault, InvalidArgVal) is
        answered the same way: its pulls are left to keep it alive.
        """
        sent = time.monotonic()
        term = termination if isinstance(termination, timedelta) else None
        try:
            try:
                reply = await self._renew(termination)
            except ExcelSenseResponseError as err:
                if self.absolute or term is None or not refuses_duration(err):
                    raise
                self.absolute = True
                try:
                    reply = await self._renew(termination)
                except ExcelSenseResponseError:
                    self.absolute = False
                    raise
        except (TermRefusedError, ArgumentRefusedError) as err:
            raise ExcelSenseNotSupportedError(None, str(err)) from err
        self._times_from(response(reply, "RenewResponse", "ONVIF Renew"), sent, term)

    async def synchronize(self) -> None:
        """Ask for every property's state again (SetSynchronizationPoint).

        ONVIF Core 9.5: the camera answers with an "Initialized" message for
        every property, the way a new subscription should start (some
        cameras send them only when asked).
        """
        await self._call(
            "SetSynchronizationPoint",
            f'<tev:SetSynchronizationPoint xmlns:tev="{EVENTS_NAMESPACE}"/>',
            optional=True,
        )

    async def unsubscribe(self) -> None:
        """End the subscription (any reply that is not a fault will do)."""
        await self._call("Unsubscribe", f'<wsnt:Unsubscribe xmlns:wsnt="{_WSNT}"/>')

    def camera_now(self) -> datetime:
        """Now in the camera's clock: its last CurrentTime moved on by ours."""
        if self._clock is None:
            return self._camera_time()
        current, read = self._clock
        return current + timedelta(seconds=time.monotonic() - read)

    async def _renew(self, termination: timedelta | datetime) -> Node:
        if self.absolute and isinstance(termination, timedelta):
            termination = self.camera_now() + termination
        return await self._call(
            "Renew",
            f'<wsnt:Renew xmlns:wsnt="{_WSNT}">'
            f"<wsnt:TerminationTime>{termination_text(termination)}"
            "</wsnt:TerminationTime></wsnt:Renew>",
        )

    def _times_from(
        self, reply: Node, sent: float | None, term: timedelta | None
    ) -> None:
        """Keep the camera's times and when, by our clock, the pull point ends.

        ``sent``: when a Create or Renew went out (None: a pull, which moves
        nothing we can count on); ``term``: the relative term it asked for
        (None: the camera chose).
        """
        read = time.monotonic()
        self.current_time = parse_datetime(reply.path_text("CurrentTime"))
        self.termination_time = parse_datetime(reply.path_text("TerminationTime"))
        if self.current_time is not None:
            self._clock = (self.current_time, read)
        if self.current_time is not None and self.termination_time is not None:
            left = self.termination_time - self.current_time
            self._deadline = read + left.total_seconds()
        elif sent is not None:
            # Made or renewed, the reply silent on when it ends: counted from
            # when it was asked for, in our clock.
            self._deadline = sent + (term or UNKNOWN_TERM).total_seconds()

    async def _call(
        self, operation: str, body: str, *, wait: float = 0.0, optional: bool = False
    ) -> Node:
        action = ACTIONS[operation]
        return await self._send(
            self.address,
            operation,
            body,
            action=action,
            addressing=Addressing(
                action=action, to=self._to, reference_parameters=self._parameters
            ),
            missing=ExcelSenseSubscriptionLostError,
            wait=wait,
            optional=optional,
        )


def _whole(text: str | None) -> int | None:
    """A whole number the camera wrote (as any reply value); None if it is none."""
    number = parse_number(text or "")
    return int(number) if number is not None and number.is_integer() else None
