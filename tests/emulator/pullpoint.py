"""ONVIF event service of the emulator: topics, pull-point subscriptions, held pulls.

Rules, from the ONVIF Core Specification chapter 9 "Event handling" (onvif/specs
``doc/Core.xml``) unless said otherwise:

- 9.1 Real-time Pull-Point Notification Interface: CreatePullPointSubscription,
  PullMessages (held until a message or the Timeout), Renew, Unsubscribe;
  "Pull Point Lifecycle": a pull point exists "until either its termination
  time has elapsed or the client has requested its disposal via an
  Unsubscribe request" and is created "as long as the number of instantiated
  pull points does not exceed the capability MaxPullPoints".
- 9.4.2 Property Events: "Initialized" for every property alive at
  subscription time, then "Changed".
- 9.5 SetSynchronizationPoint: "shall be provided by all Subscription Manager
  Endpoints" and repeats every subscribed property as "Initialized".
- 9.6.3 Topic Filter: Concrete and ConcreteSet topic expressions.
- Topics: tns1:RuleEngine/CellMotionDetector/Motion (Analytics Service
  Specification, Cell Motion Detector: Source VideoSourceConfigurationToken,
  VideoAnalyticsConfigurationToken, Rule; Data IsMotion), and
  tns1:VideoSource/MotionAlarm and tns1:VideoSource/ImageTooBlurry/ImagingService
  (Imaging Service Specification "Events": Source "Source", Data "State"); all
  three are properties (IsProperty="true").

Termination times run on the emulator clock (``Device.clock``: a test's
``ManualClock`` moves them); a held pull waits in real time.
"""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import secrets
from typing import TYPE_CHECKING, Final
from xml.sax.saxutils import escape, quoteattr

from . import soap
from .soap import TEV, TNS1, WSNT, SoapFaultError, base_fault, child, local, text_of

if TYPE_CHECKING:
    from collections.abc import Callable
    from xml.etree import ElementTree as ET

    from .device import Device

CONCRETE_SET: Final = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"
CONCRETE: Final = "http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete"
DEFAULT_TERMINATION: Final = timedelta(seconds=60)
# Core 9.1.2: "The device shall support a Timeout of at least one minute."  The
# emulator holds up to ten; past that it answers PullMessagesFaultResponse.
MAX_TIMEOUT: Final = timedelta(minutes=10)
# Core 9.1.2: "A server implementation may decide to return less messages."
MAX_MESSAGES: Final = 100
# How often a held pull looks at the device: a motion alarm ends lazily, when
# someone asks (``Device.settle``), and a test's ManualClock moves by itself.
_POLL: Final = 0.05

type _Tree = dict[str, _Tree]

VIDEO_SOURCE: Final = "VideoSource_1"
VIDEO_SOURCE_CONFIGURATION: Final = "VideoSourceConfig_1"
VIDEO_ANALYTICS_CONFIGURATION: Final = "VideoAnalyticsConfig_1"
MOTION_RULE: Final = "MotionDetection"


@dataclass(frozen=True, slots=True)
class Topic:
    """One event topic and the message it carries (a property)."""

    path: tuple[str, ...]
    source: tuple[tuple[str, str, str], ...]  # (name, xs type, value)
    data: tuple[str, str]  # (name, xs type)
    alarm: str  # the device alarm whose state it reports

    @property
    def expression(self) -> str:
        """``tns1:Root/Child/Leaf``."""
        return "tns1:" + "/".join(self.path)


CELL_MOTION: Final = Topic(
    ("RuleEngine", "CellMotionDetector", "Motion"),
    (
        (
            "VideoSourceConfigurationToken",
            "tt:ReferenceToken",
            VIDEO_SOURCE_CONFIGURATION,
        ),
        (
            "VideoAnalyticsConfigurationToken",
            "tt:ReferenceToken",
            VIDEO_ANALYTICS_CONFIGURATION,
        ),
        ("Rule", "xs:string", MOTION_RULE),
    ),
    ("IsMotion", "xs:boolean"),
    "motion",
)
MOTION_ALARM: Final = Topic(
    ("VideoSource", "MotionAlarm"),
    (("Source", "tt:ReferenceToken", VIDEO_SOURCE),),
    ("State", "xs:boolean"),
    "motion",
)
IMAGE_TOO_BLURRY: Final = Topic(
    ("VideoSource", "ImageTooBlurry", "ImagingService"),
    (("Source", "tt:ReferenceToken", VIDEO_SOURCE),),
    ("State", "xs:boolean"),
    "blurry",
)


@dataclass
class EventQuirks:
    """Event-side firmware variants (part of ``OnvifQuirks``)."""

    pull_immediately: bool = False
    renew_refused: bool = False
    # The longest termination time the camera grants (None: any). ONVIF Core
    # 9.1.1: "If the device does not accept the InitialTerminationTime of a
    # subscription, it shall provide a valid InitialTerminationTime within the
    # Fault Message"; Renew is refused the same way (WS-BaseNotification 1.3
    # §6.1.1, UnacceptableTerminationTimeFault).
    max_term: timedelta | None = None
    # A pull point that is gone answered as WS-Addressing 1.0 SOAP Binding
    # 6.4.2 words it ("wsa:DestinationUnreachable", "No route can be
    # determined to reach [destination]") instead of ResourceUnknownFault.
    gone_unreachable: bool = False
    motion_alarm_only: bool = False
    numeric_booleans: bool = False
    max_pull_points: int = 3
    # Renew with a relative TerminationTime refused with this fault
    # ("InvalidArgVal": env:Sender/ter:InvalidArgVal, or
    # "UnacceptableTerminationTimeFault"); an absolute one is taken. Core
    # 9.1.1 requires the relative form for InitialTerminationTime only;
    # onvif-zeep-async (``has_broken_relative_time``,
    # ``get_next_termination_time``) renews such cameras with an absolute
    # time, the camera's clock plus the term.
    relative_renew_refused: str | None = None
    # Replies without these of CurrentTime / TerminationTime (XM firmware,
    # slydiman/ha_custom_onvif#3: "got the response without TerminationTime
    # at all"), against Core 9.1.3 "A device shall respond both parameters".
    times_left_out: frozenset[str] = frozenset()
    # The term the camera gives every pull point, whatever was asked
    # (onvif-zeep-async PR #32: "Some cameras completely ignore the time
    # period and just decide their own").
    chosen_term: timedelta | None = None
    # The same for Renew: the term it grants whatever was asked.
    renew_term: timedelta | None = None
    # A pull does not keep the pull point alive past its termination time
    # (Core before 25.06: only Renew moves it; the 25.06 "should be active for
    # at least the timeout" sentence is not kept).
    pulls_keep_alive: bool = True
    # No "Initialized" messages when subscribed, only on SetSynchronizationPoint
    # (Core 9.5), which Home Assistant's onvif integration sends after every
    # CreatePullPointSubscription (homeassistant/components/onvif/event.py).
    initialized_on_request_only: bool = False
    # The longest pull Timeout: past it, PullMessagesFaultResponse names it
    # and the most messages (Event service, PullMessages: "only when the
    # Timeout exceeds the upper limit supported by the device"; Core 9.1.2:
    # "shall support a Timeout of at least one minute", so a shorter one is
    # the quirk of a camera that does not). ``max_pull_messages``: a
    # MessageLimit past it faults the same way (Core 9.1.2 lets a camera
    # "return less messages"; one that faults instead is a quirk).
    max_pull_timeout: timedelta = MAX_TIMEOUT
    max_pull_messages: int | None = None


@dataclass
class Subscription:
    """A pull point: its filter, termination time and queued messages."""

    token: str
    topics: tuple[Topic, ...]
    expires: float
    changed_only: bool
    queue: deque[str] = field(default_factory=deque)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    pulling: bool = False
    ended: bool = False


class EventService:
    """Subscriptions and the alarm states they report."""

    def __init__(
        self, device: Device, quirks: EventQuirks, producer: Callable[[], str]
    ) -> None:
        """Follow ``device``'s alarms; ``producer`` gives the event service XAddr."""
        self.device = device
        self.quirks = quirks
        self._producer = producer
        self.subscriptions: dict[str, Subscription] = {}
        self.states: dict[str, bool] = {"motion": False, "blurry": False}
        self._closing = False

    # ----------------------------------------------------------------- state

    def now(self) -> datetime:
        """The camera clock in UTC (the emulator's clock plus clock_offset)."""
        return self.device.now().astimezone(UTC)

    def topics(self) -> tuple[Topic, ...]:
        """The topic set the camera offers now."""
        if self.quirks.motion_alarm_only:
            return (MOTION_ALARM, IMAGE_TOO_BLURRY)
        return (CELL_MOTION, MOTION_ALARM, IMAGE_TOO_BLURRY)

    def alarm_changed(self, alarm: str, active: bool, when: datetime) -> None:
        """Queue "Changed" messages to every live subscription (a device listener)."""
        if self.states.get(alarm) == active:
            return
        self.states[alarm] = active
        for subscription in self._live():
            for topic in subscription.topics:
                if topic.alarm == alarm:
                    self._queue(subscription, topic, "Changed", when)

    def drop_all(self) -> None:
        """Forget every subscription, as a reboot does; held pulls return."""
        for subscription in self.subscriptions.values():
            subscription.ended = True
            subscription.wakeup.set()
        self.subscriptions.clear()

    def close(self) -> None:
        """The camera stops: held pulls answer at once."""
        self._closing = True
        for subscription in self.subscriptions.values():
            subscription.wakeup.set()

    def reopen(self) -> None:
        """The camera listens again: pulls are held again."""
        self._closing = False

    def live_count(self) -> int:
        """Subscriptions neither expired nor ended."""
        return len(self._live())

    def _live(self) -> list[Subscription]:
        now = self.device.clock()
        for token, subscription in list(self.subscriptions.items()):
            if now >= subscription.expires:
                subscription.ended = True
                subscription.wakeup.set()
                del self.subscriptions[token]
        return list(self.subscriptions.values())

    def _find(self, token: str) -> Subscription:
        """The live subscription, or ResourceUnknownFault (Core 9.1.2-9.1.4)."""
        self._live()
        subscription = self.subscriptions.get(token)
        if subscription is None:
            raise self._gone()
        return subscription

    def _gone(self) -> SoapFaultError:
        """The fault for a pull point that is no more."""
        if self.quirks.gone_unreachable:
            return SoapFaultError(
                "Sender",
                ("wsa:DestinationUnreachable",),
                "No route can be determined to reach the destination role",
            )
        return base_fault("ResourceUnknownFault", self.now(), ns="wsrf-r")

    def _queue(
        self, subscription: Subscription, topic: Topic, operation: str, when: datetime
    ) -> None:
        subscription.queue.append(self._message(topic, operation, when))
        subscription.wakeup.set()

    def _message(self, topic: Topic, operation: str, when: datetime) -> str:
        """A wsnt:NotificationMessage (Core 9.4.1 Notification Message Format)."""
        state = self.states[topic.alarm]
        value = (
            ("1" if state else "0")
            if self.quirks.numeric_booleans
            else str(state).lower()
        )
        source = "".join(
            f"<tt:SimpleItem Name={quoteattr(name)} Value={quoteattr(item)}/>"
            for name, _type, item in topic.source
        )
        return (
            "<wsnt:NotificationMessage>"
            f'<wsnt:Topic Dialect="{CONCRETE_SET}">{topic.expression}</wsnt:Topic>'
            "<wsnt:ProducerReference>"
            f"<wsa:Address>{escape(self._producer())}</wsa:Address>"
            "</wsnt:ProducerReference>"
            f'<wsnt:Message><tt:Message UtcTime="{soap.utc_text(when, millis=True)}"'
            f' PropertyOperation="{operation}">'
            f"<tt:Source>{source}</tt:Source>"
            f"<tt:Data><tt:SimpleItem Name={quoteattr(topic.data[0])}"
            f" Value={quoteattr(value)}/></tt:Data>"
            "</tt:Message></wsnt:Message></wsnt:NotificationMessage>"
        )

    def _initialize(self, subscription: Subscription) -> None:
        when = self.now()
        for topic in subscription.topics:
            self._queue(subscription, topic, "Initialized", when)

    # ----------------------------------------------------------------- operations

    def create(
        self,
        request: ET.Element,
        scopes: Callable[[ET.Element], dict[str, str]],
        base: str,
    ) -> str:
        """CreatePullPointSubscription: the response body (Core 9.1.1).

        "If no Filter element is specified the pullpoint shall notify all
        occurring events"; "A device shall support an absolute time value
        specified in utc as well as a relative time value for the
        InitialTerminationTime parameter"; past MaxPullPoints the request fails
        with the WS-BaseNotification SubscribeCreationFailedFault ("The same
        faults as for Subscription Request of the [WS-BaseNotification] are used").
        """
        now = self.now()
        topics = self._filter(child(request, TEV, "Filter"), scopes)
        changed_only = self._policy(child(request, TEV, "SubscriptionPolicy"))
        raw = text_of(child(request, TEV, "InitialTerminationTime"))
        termination = now + DEFAULT_TERMINATION
        if self.quirks.chosen_term is not None:
            termination = now + self.quirks.chosen_term
        elif raw:
            parsed = soap.absolute_or_relative(raw, now)
            if parsed is None or parsed <= now:
                # WS-BaseNotification 1.3 §4.2: a termination time the producer
                # will not accept (here: not in the future) fails the request.
                raise base_fault(
                    "UnacceptableInitialTerminationTimeFault",
                    now,
                    _minimum_time(now),
                )
            self._check_term("UnacceptableInitialTerminationTimeFault", parsed, now)
            termination = parsed
        if len(self._live()) >= self.quirks.max_pull_points:
            raise base_fault("SubscribeCreationFailedFault", now)
        token = secrets.token_hex(8)
        subscription = Subscription(
            token, topics, self._expiry(termination, now), changed_only
        )
        self.subscriptions[token] = subscription
        if not (changed_only or self.quirks.initialized_on_request_only):
            self._initialize(subscription)
        return (
            "<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference>"
            f"<wsa:Address>{escape(base + token)}</wsa:Address>"
            "</tev:SubscriptionReference>"
            f"{self._times('wsnt', now, termination)}"
            "</tev:CreatePullPointSubscriptionResponse>"
        )

    def _times(
        self, prefix: str, now: datetime, termination: datetime, *, renew: bool = False
    ) -> str:
        """CurrentTime and TerminationTime, but those ``times_left_out``.

        In the schema's order: RenewResponse (WS-BaseNotification) has
        TerminationTime first, the ONVIF responses CurrentTime first.
        """
        times = [("CurrentTime", now), ("TerminationTime", termination)]
        return "".join(
            f"<{prefix}:{name}>{soap.utc_text(value)}</{prefix}:{name}>"
            for name, value in (times[::-1] if renew else times)
            if name not in self.quirks.times_left_out
        )

    def _check_term(self, fault: str, termination: datetime, now: datetime) -> None:
        """Refuse a termination time past ``max_term``, naming the latest granted."""
        longest = self.quirks.max_term
        if longest is not None and termination - now > longest:
            latest = soap.utc_text(now + longest)
            raise base_fault(
                fault,
                now,
                _minimum_time(now) + f"<wsnt:MaximumTime>{latest}</wsnt:MaximumTime>",
            )

    def _expiry(self, termination: datetime, now: datetime) -> float:
        return self.device.clock() + (termination - now).total_seconds()

    def _termination(self, subscription: Subscription, now: datetime) -> datetime:
        return now + timedelta(seconds=subscription.expires - self.device.clock())

    def _policy(self, policy: ET.Element | None) -> bool:
        """tev:ChangedOnly: "A pullpoint should not provide Initialized nor
        Deleted events for Properties"; anything else is an unrecognized policy."""  # noqa: D205, D209
        if policy is None:
            return False
        names = {element.tag for element in policy}
        if names - {f"{{{TEV}}}ChangedOnly"}:
            raise base_fault("UnrecognizedPolicyRequestFault", self.now())
        return bool(names)

    def _filter(
        self, spec: ET.Element | None, scopes: Callable[[ET.Element], dict[str, str]]
    ) -> tuple[Topic, ...]:
        """The topics a wsnt:FilterType selects (Core 9.6.3 Topic Filter).

        The camera declares no message content filter dialect ("A device that
        does not support any MessageContentFilterDialect shall return a single
        empty url"), so a MessageContent filter is an invalid expression.
        """
        offered = self.topics()
        if spec is None:
            return offered
        selected: set[Topic] | None = None
        for element in spec:
            if element.tag == f"{{{WSNT}}}TopicExpression":
                chosen = self._topic_expression(element, scopes(element), offered)
                selected = chosen if selected is None else selected & chosen
            elif element.tag == f"{{{WSNT}}}MessageContent":
                raise base_fault("InvalidMessageContentExpressionFault", self.now())
            else:
                raise base_fault(
                    "InvalidFilterFault",
                    self.now(),
                    f"<wsnt:UnknownFilter>{escape(local(element.tag))}</wsnt:UnknownFilter>",
                )
        if selected is None:
            return offered
        if not selected:
            raise base_fault("TopicNotSupportedFault", self.now())
        return tuple(topic for topic in offered if topic in selected)

    def _topic_expression(
        self, element: ET.Element, prefixes: dict[str, str], offered: tuple[Topic, ...]
    ) -> set[Topic]:
        dialect = element.get("Dialect", "").strip()
        if dialect not in (CONCRETE_SET, CONCRETE):
            raise base_fault("TopicExpressionDialectUnknownFault", self.now())
        text = text_of(element) or ""
        # "TopicExpression ::= TopicPath ('|' TopicPath)*" is ConcreteSet only.
        paths = text.split("|") if dialect == CONCRETE_SET else [text]
        chosen: set[Topic] = set()
        for raw in paths:
            path = raw.strip()
            subtree = dialect == CONCRETE_SET and path.endswith("//.")
            path = path.removesuffix("//.") if subtree else path
            parts = path.split("/")
            prefix, _, root = parts[0].rpartition(":")
            if not root or not all(parts) or any(" " in part for part in parts):
                raise base_fault("InvalidTopicExpressionFault", self.now())
            # "If a namespace prefix is included in the RootTopic, it shall
            # correspond to a valid Topic Namespace definition"; child names
            # are compared by their local part.
            if prefixes.get(prefix) != TNS1:
                continue
            names = (root, *(part.rpartition(":")[2] for part in parts[1:]))
            for topic in offered:
                if topic.path == names or (
                    subtree and topic.path[: len(names)] == names
                ):
                    chosen.add(topic)
        return chosen

    async def pull(self, token: str, request: ET.Element) -> str:
        """PullMessages: held until a message arrives or the Timeout passes (9.1.2).

        "If there are no messages waiting, and the device generates a message
        ... prior to reaching the Timeout, the device shall immediately respond";
        "The device shall not return a response with zero messages prior to
        reaching the Timeout"; a second pull while one is held gets
        UnableToGetMessagesFault ("A device should return an error").  After the
        response "the subscription should be active for at least the timeout
        specified in the PullMessages request".
        """
        subscription = self._find(token)
        timeout = soap.parse_duration(text_of(child(request, TEV, "Timeout")) or "")
        limit_text = text_of(child(request, TEV, "MessageLimit"))
        if timeout is None or limit_text is None:
            raise soap.sender("InvalidArgs", "Invalid Args")
        if timeout < timedelta(0):
            raise soap.sender("InvalidArgVal", "Argument Value Invalid")
        try:
            limit = max(int(limit_text), 0)
        except ValueError:
            raise soap.sender("InvalidArgVal", "Argument Value Invalid") from None
        most_timeout = self.quirks.max_pull_timeout
        most_messages = self.quirks.max_pull_messages
        if timeout > most_timeout or (
            most_messages is not None and limit > most_messages
        ):
            raise SoapFaultError(
                "Receiver",
                (),
                "PullMessagesFaultResponse",
                "<tev:PullMessagesFaultResponse><tev:MaxTimeout>"
                f"PT{most_timeout.total_seconds():g}S</tev:MaxTimeout>"
                f"<tev:MaxMessageLimit>{most_messages or MAX_MESSAGES}"
                "</tev:MaxMessageLimit></tev:PullMessagesFaultResponse>",
            )
        limit = min(limit, MAX_MESSAGES)
        if subscription.pulling:
            raise base_fault("UnableToGetMessagesFault", self.now())
        subscription.pulling = True
        try:
            await self._hold(subscription, timeout.total_seconds())
        finally:
            subscription.pulling = False
        if subscription.ended:
            raise self._gone()
        messages = [
            subscription.queue.popleft()
            for _ in range(min(limit, len(subscription.queue)))
        ]
        if self.quirks.pulls_keep_alive:
            subscription.expires = max(
                subscription.expires, self.device.clock() + timeout.total_seconds()
            )
        now = self.now()
        termination = self._termination(subscription, now)
        return (
            f"<tev:PullMessagesResponse>{self._times('tev', now, termination)}"
            f"{''.join(messages)}</tev:PullMessagesResponse>"
        )

    async def _hold(self, subscription: Subscription, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not (
            subscription.queue
            or subscription.ended
            or self._closing
            or self.quirks.pull_immediately
        ):
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            subscription.wakeup.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(
                    subscription.wakeup.wait(), min(remaining, _POLL)
                )
            self.device.settle()

    def renew(self, token: str, request: ET.Element) -> str:
        """Renew (WS-BaseNotification 1.3 §6.1.1; Core 9.1.3): a new termination time.

        "A device shall respond both parameters CurrentTime and TerminationTime
        as utc"; a time not in the future is an UnacceptableTerminationTimeFault.
        """
        if self.quirks.renew_refused:
            raise soap.action_not_supported()
        subscription = self._find(token)
        now = self.now()
        raw = text_of(child(request, WSNT, "TerminationTime"))
        self._check_form(raw, now)
        termination = None if raw is None else soap.absolute_or_relative(raw, now)
        if termination is None or termination <= now:
            raise base_fault(
                "UnacceptableTerminationTimeFault",
                now,
                _minimum_time(now),
            )
        self._check_term("UnacceptableTerminationTimeFault", termination, now)
        if self.quirks.renew_term is not None:
            termination = now + self.quirks.renew_term
        subscription.expires = self._expiry(termination, now)
        times = self._times("wsnt", now, termination, renew=True)
        return f"<wsnt:RenewResponse>{times}</wsnt:RenewResponse>"

    def _check_form(self, raw: str | None, now: datetime) -> None:
        """Refuse a relative Renew time as ``relative_renew_refused`` says."""
        fault = self.quirks.relative_renew_refused
        if fault is None or raw is None or not raw.strip().startswith("P"):
            return
        if fault == "InvalidArgVal":
            raise soap.sender("InvalidArgVal", "Argument Value Invalid")
        raise base_fault(fault, now, _minimum_time(now))

    def unsubscribe(self, token: str) -> str:
        """Unsubscribe: "This command shall terminate the lifetime of a pull point"."""
        subscription = self._find(token)
        subscription.ended = True
        subscription.wakeup.set()
        del self.subscriptions[token]
        return "<wsnt:UnsubscribeResponse/>"

    def synchronize(self, token: str) -> str:
        """SetSynchronizationPoint: every subscribed property again as "Initialized"."""
        self._initialize(self._find(token))
        return "<tev:SetSynchronizationPointResponse/>"

    def capabilities(self) -> str:
        """tev:Capabilities (Core 9.8): no WS-BaseNotification producer, pull points.

        MaxNotificationProducers is 0, so Renew is optional for the camera (Core
        9.1.3: "shall support this command if it signals support for
        [WS-Base Notification] via the MaxNotificationProducers capability");
        it is served unless ``renew_refused``.
        """
        return (
            '<tev:Capabilities WSSubscriptionPolicySupport="true"'
            ' WSPullPointSupport="true"'
            ' WSPausableSubscriptionManagerInterfaceSupport="false"'
            ' MaxNotificationProducers="0"'
            f' MaxPullPoints="{self.quirks.max_pull_points}"'
            ' PersistentNotificationStorage="false"/>'
        )

    def properties(self) -> str:
        """GetEventPropertiesResponse (Core 9.7): topic set, dialects, schema."""
        tree: _Tree = {}
        leaves: dict[tuple[str, ...], Topic] = {}
        for topic in self.topics():
            node = tree
            for name in topic.path:
                node = node.setdefault(name, {})
            leaves[topic.path] = topic
        topic_set = "".join(
            _topic_xml(name, children, (name,), leaves, root=True)
            for name, children in tree.items()
        )
        return (
            "<tev:GetEventPropertiesResponse>"
            "<tev:TopicNamespaceLocation>http://www.onvif.org/onvif/ver10/topics/topicns.xml"
            "</tev:TopicNamespaceLocation>"
            "<wsnt:FixedTopicSet>true</wsnt:FixedTopicSet>"
            f"<wstop:TopicSet>{topic_set}</wstop:TopicSet>"
            f"<wsnt:TopicExpressionDialect>{CONCRETE_SET}</wsnt:TopicExpressionDialect>"
            f"<wsnt:TopicExpressionDialect>{CONCRETE}</wsnt:TopicExpressionDialect>"
            "<tev:MessageContentFilterDialect></tev:MessageContentFilterDialect>"
            "<tev:MessageContentSchemaLocation>http://www.onvif.org/onvif/ver10/schema/onvif.xsd"
            "</tev:MessageContentSchemaLocation></tev:GetEventPropertiesResponse>"
        )


def _minimum_time(now: datetime) -> str:
    """The earliest termination time the camera accepts (a second from now)."""
    earliest = soap.utc_text(now + timedelta(seconds=1))
    return f"<wsnt:MinimumTime>{earliest}</wsnt:MinimumTime>"


def _topic_xml(
    name: str,
    children: _Tree,
    path: tuple[str, ...],
    leaves: dict[tuple[str, ...], Topic],
    *,
    root: bool = False,
) -> str:
    """A topic tree node; the root in tns1, the rest unqualified (Core 9.6.2)."""
    tag = f"tns1:{name}" if root else name
    inner = "".join(
        _topic_xml(child_name, grand, (*path, child_name), leaves)
        for child_name, grand in children.items()
    )
    topic = leaves.get(path)
    if topic is None:
        return f'<{tag} xmlns="">{inner}</{tag}>' if root else f"<{tag}>{inner}</{tag}>"
    source = "".join(
        f'<tt:SimpleItemDescription Name="{item}" Type="{kind}"/>'
        for item, kind, _value in topic.source
    )
    description = (
        '<tt:MessageDescription IsProperty="true">'
        f"<tt:Source>{source}</tt:Source>"
        f'<tt:Data><tt:SimpleItemDescription Name="{topic.data[0]}"'
        f' Type="{topic.data[1]}"/></tt:Data></tt:MessageDescription>'
    )
    return f'<{tag} wstop:topic="true">{description}{inner}</{tag}>'
