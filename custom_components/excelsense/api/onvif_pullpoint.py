"""An ONVIF pull-point subscription: pull its events, renew it, end it.

Sources: ONVIF Core Specification, "Real-time Pull-Point Notification
Interface" (CreatePullPointSubscription, PullMessages, Renew, Unsubscribe,
the pull point lifecycle) and the event WSDL's actions; WS-BaseNotification
1.3 (Renew, Unsubscribe).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from .exceptions import (
    ExcelSenseNotSupportedError,
    ExcelSenseResponseError,
    ExcelSenseSubscriptionLostError,
    ExcelSenseValidationError,
)
from .onvif_events import OnvifEvent, parse_datetime, parse_notifications
from .soap import (
    Addressing,
    TermRefusedError,
    reference_parameter,
    response,
    xaddr_path,
)
from .validation import check_int, check_number

if TYPE_CHECKING:
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
        ) -> Node:
            """Send one request."""


EVENTS_NAMESPACE = "http://www.onvif.org/ver10/events/wsdl"
_WSNT = "http://docs.oasis-open.org/wsn/b-2"
_MANAGER_PORT = "http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager"
# The soapAction of each event operation in the event WSDL.
ACTIONS = {
    "CreatePullPointSubscription": (
        f"{EVENTS_NAMESPACE}/EventPortType/CreatePullPointSubscriptionRequest"
    ),
    "PullMessages": f"{EVENTS_NAMESPACE}/PullPointSubscription/PullMessagesRequest",
    "Renew": f"{_MANAGER_PORT}/RenewRequest",
    "Unsubscribe": f"{_MANAGER_PORT}/UnsubscribeRequest",
}
# The most messages read from one reply (and asked for in one pull): what a
# reply within the client's 256 KB limit holds (some 450 bytes a message).
MAX_PULL_MESSAGES = 500
# "The device shall support a Timeout of at least one minute."
PULL_TIMEOUT = timedelta(seconds=60)
PULL_LIMIT = 100
TERMINATION = timedelta(minutes=10)


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
    them, in its clock, None where it said nothing readable.
    """

    __slots__ = (
        "_parameters",
        "_send",
        "_to",
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
    ) -> None:
        """Keep how the camera named the subscription."""
        self._send = send
        self._to = to
        self._parameters = reference_parameters
        self.address = address
        self.current_time: datetime | None = None
        self.termination_time: datetime | None = None

    @classmethod
    def from_reply(cls, send: Send, reply: Node) -> OnvifSubscription:
        """The subscription a CreatePullPointSubscriptionResponse names."""
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
        )
        subscription._times_from(created)
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
        """
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
        self._times_from(pulled)
        return parse_notifications(pulled, MAX_PULL_MESSAGES)

    async def renew(self, termination: timedelta | datetime = TERMINATION) -> None:
        """Move the termination time (WS-BaseNotification Renew).

        Cameras that keep a pull point alive by its pulls alone (ONVIF Core
        from 25.06 on) may answer ExcelSenseNotSupportedError; a camera that
        refuses the time asked for (UnacceptableTerminationTimeFault) is
        answered the same way: its pulls are left to keep it alive.
        """
        requested = termination_text(termination)
        try:
            reply = await self._call(
                "Renew",
                f'<wsnt:Renew xmlns:wsnt="{_WSNT}">'
                f"<wsnt:TerminationTime>{requested}</wsnt:TerminationTime>"
                "</wsnt:Renew>",
            )
        except TermRefusedError as err:
            raise ExcelSenseNotSupportedError(None, str(err)) from err
        self._times_from(response(reply, "RenewResponse", "ONVIF Renew"))

    async def unsubscribe(self) -> None:
        """End the subscription (any reply that is not a fault will do)."""
        await self._call("Unsubscribe", f'<wsnt:Unsubscribe xmlns:wsnt="{_WSNT}"/>')

    def _times_from(self, reply: Node) -> None:
        self.current_time = parse_datetime(reply.path_text("CurrentTime"))
        self.termination_time = parse_datetime(reply.path_text("TerminationTime"))

    async def _call(self, operation: str, body: str, *, wait: float = 0.0) -> Node:
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
        )
