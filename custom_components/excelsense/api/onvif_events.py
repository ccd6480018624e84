"""ONVIF notification messages as typed events.

Source: ONVIF Core Specification, "Event handling": the notification message
format (a wsnt:NotificationMessage holding a Topic and a tt:Message with the
UtcTime and PropertyOperation attributes and Source, Key and Data item lists
of SimpleItems), property events (Initialized, Changed, Deleted) and the
PullMessagesResponse; WS-Topics for the topic expression (a QName root topic,
then child topic names).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
import logging
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .safexml import Node

_LOGGER = logging.getLogger(__name__)

TOPICS_NAMESPACE = "http://www.onvif.org/ver10/topics"
ONVIF_PREFIX = "tns1"
# Namespaces of the envelope and of ONVIF's own schemas: an unprefixed root
# topic under one of these is an ONVIF topic written without its prefix.
_STANDARD_NAMESPACES = (
    "http://www.onvif.org/",
    "http://docs.oasis-open.org/",
    "http://www.w3.org/",
    "http://schemas.xmlsoap.org/",
)
# The motion topics and the Data item that carries their state: ONVIF
# Analytics Service Specification, Cell Motion Detector
# (tns1:RuleEngine/CellMotionDetector/Motion, IsMotion) and Motion Region
# Detector (tns1:RuleEngine/MotionRegionDetector/Motion, State); Imaging
# Service Specification, "Events", MotionAlarm (tns1:VideoSource/MotionAlarm,
# State, "should be supported by all devices that support motion detection").
MOTION_TOPICS: Mapping[str, str] = {
    "tns1:ruleengine/cellmotiondetector/motion": "ismotion",
    "tns1:ruleengine/motionregiondetector/motion": "state",
    "tns1:videosource/motionalarm": "state",
}
# xs:boolean's lexical forms; cameras also capitalise them.
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})
_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?"
    r"(Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)


class PropertyOperation(StrEnum):
    """What happened to a property (ONVIF Core "Property Events")."""

    INITIALIZED = "Initialized"
    CHANGED = "Changed"
    DELETED = "Deleted"

    @classmethod
    def parse(cls, text: str | None) -> PropertyOperation | None:
        """The operation named in ``text`` (any case); None for anything else."""
        if not text:
            return None
        wanted = text.strip().casefold()
        for operation in cls:
            if operation.value.casefold() == wanted:
                return operation
        return None


@dataclass(frozen=True, kw_only=True)
class OnvifEvent:
    """One notification message.

    ``topic`` is in the ``tns1:`` form whatever prefix the camera bound to the
    ONVIF topic namespace; a vendor's topics keep the camera's prefix.
    ``source``, ``key`` and ``data`` map SimpleItem names to values (the first
    of a repeated name); ElementItems are not read. ``operation`` is None for
    a message that is not about a property.
    """

    topic: str
    operation: PropertyOperation | None = None
    utc_time: datetime | None = None
    # Left out of the hash (a mapping has none); compared all the same.
    source: Mapping[str, str] = field(default_factory=dict, hash=False)
    key: Mapping[str, str] = field(default_factory=dict, hash=False)
    data: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def is_motion_topic(self) -> bool:
        """Whether the message is about one of the motion topics."""
        return self.topic.casefold() in MOTION_TOPICS

    @property
    def motion(self) -> bool | None:
        """Motion on or off; None for another topic or an unreadable value."""
        item = MOTION_TOPICS.get(self.topic.casefold())
        if item is None:
            return None
        for name, value in self.data.items():
            if name.casefold() == item:
                return parse_bool(value)
        return None


def parse_bool(text: str) -> bool | None:
    """``true``/``1`` or ``false``/``0`` in any case; None for anything else."""
    value = text.strip().casefold()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def parse_datetime(text: str | None) -> datetime | None:
    """An xs:dateTime, in UTC (none given is read as UTC); None if unreadable.

    Cameras send '0000-00-00T00:00:00Z' for a time they never had, and
    fractions longer than microseconds; both are handled here.
    """
    match = _DATETIME.match(text.strip()) if text else None
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        tz = UTC
        if zone and zone.upper() != "Z":
            digits = zone[1:].replace(":", "")
            minutes = int(digits[:2]) * 60 + int(digits[2:])
            tz = timezone(timedelta(minutes=-minutes if zone[0] == "-" else minutes))
        parsed = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second),
            micro, tzinfo=tz,
        )  # fmt: skip
        # An offset of 24 h or more, a year 9999 moved past the calendar's end.
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _is_topics_namespace(uri: str | None) -> bool:
    return uri is not None and uri.strip().rstrip("/").casefold() == TOPICS_NAMESPACE


def normalize_topic(text: str, nsmap: Mapping[str, str]) -> str:
    """The topic in the ``tns1:`` form.

    The root topic's prefix is ``tns1`` when the camera bound its prefix to
    the ONVIF topic namespace, wrote ``tns1`` itself, or wrote no prefix in
    an ONVIF or SOAP default namespace. ONVIF's child topics carry no prefix
    (a camera that writes one gets it removed); a vendor's keep theirs.
    Trailing "/" and "//." (a topic set expression) are removed.
    """
    text = text.strip().rstrip("/.")
    if not text:
        return ""
    segments = [part.strip() for part in text.split("/")]
    return "/".join(
        _topic_segment(segment, nsmap, root=index == 0)
        for index, segment in enumerate(segments)
    )


def _topic_segment(segment: str, nsmap: Mapping[str, str], *, root: bool) -> str:
    prefix, colon, local = segment.rpartition(":")
    onvif = bool(colon) and (
        prefix == ONVIF_PREFIX or _is_topics_namespace(nsmap.get(prefix))
    )
    if root:
        if onvif or (not colon and _unprefixed_is_onvif(nsmap.get(""))):
            return f"{ONVIF_PREFIX}:{local}"
        return segment
    return local if onvif else segment


def _unprefixed_is_onvif(default: str | None) -> bool:
    return default is None or default.startswith(_STANDARD_NAMESPACES)


def _items(group: Node | None) -> dict[str, str]:
    items: dict[str, str] = {}
    if group is None:
        return items
    for item in group.all("SimpleItem"):
        name = item.attrs.get("Name")
        if name is not None and name not in items:
            items[name] = item.attrs.get("Value", "")
    return items


def parse_notification(holder: Node) -> OnvifEvent | None:
    """One wsnt:NotificationMessage; None when it names no topic."""
    topic_node = holder.child("Topic")
    if topic_node is None:
        return None
    topic = normalize_topic(topic_node.text, topic_node.nsmap)
    if not topic:
        return None
    wrapper = holder.child("Message")
    # The tt:Message inside wsnt:Message; some cameras leave out one level.
    message = wrapper.child("Message") if wrapper is not None else None
    message = message or wrapper
    if message is None:
        return OnvifEvent(topic=topic)
    return OnvifEvent(
        topic=topic,
        operation=PropertyOperation.parse(message.attrs.get("PropertyOperation")),
        utc_time=parse_datetime(message.attrs.get("UtcTime")),
        source=_items(message.child("Source")),
        key=_items(message.child("Key")),
        data=_items(message.child("Data")),
    )


def parse_notifications(response: Node, limit: int) -> list[OnvifEvent]:
    """The events in a PullMessagesResponse, at most the last ``limit`` of them.

    The last, in a reply longer than we asked for: they are the newest, and
    a state's newest value is the one that counts (a motion that ended).
    """
    events: list[OnvifEvent] = []
    holders = list(response.all("NotificationMessage"))
    if len(holders) > limit:
        _LOGGER.debug("Reading the last %d of %d messages", limit, len(holders))
    for holder in holders[-limit:]:
        event = parse_notification(holder)
        if event is None:
            _LOGGER.debug("Skipped a notification message without a topic")
            continue
        events.append(event)
    return events
