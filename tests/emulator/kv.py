"""The ``key=value`` text format of the ExcelSense CGI API, with loops.

A reply is a sequence of items: ``(key, value)`` pairs and ``Loop`` objects.
A loop is written as::

    <name>Count=<n>            (only when the loop asks for it)
    <name>Begin=1
    ...first entry...
    next_<name>URL=2           (or the loop's own marker name)
    ...second entry...
    <name>End=<n>

Entries may hold loops themselves (streamAbility nests three deep).  Set
requests carry loops the same way, as ordered repeated query keys.

``parse_pairs`` / ``parse_text`` read that format back tolerantly: marker
names are matched case-insensitively and by prefix, the numbers on markers are
ignored, bare lines without ``=`` are accepted and unknown keys are kept.
This module is self-contained on purpose: the emulator must not share code
with the client it tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator, Sequence

_NEXT_MARKER = re.compile(r"^next_(?P<name>.+?)url$|^(?P<alt>.+?)next(?:url|flag)$")
_MARKER_VALUE = re.compile(r"^\s*-?\d*\s*$")


@dataclass(slots=True)
class Loop:
    """A loop in a reply: named entries, each a sequence of items."""

    name: str
    entries: list[list[Item]]
    count: bool = False
    next_key: str | None = None

    @property
    def next_marker(self) -> str:
        """Key written between two entries."""
        return self.next_key or f"next_{self.name}URL"


type Item = tuple[str, str] | Loop


@dataclass(frozen=True, slots=True)
class Style:
    """How a reply is written: line endings and firmware oddities."""

    newline: str = "\n"
    odd_markers: bool = False
    stray_key_spaces: bool = False
    extra_keys: bool = False


_EXTRA_HEAD = ("reservedParam", "0")
_EXTRA_TAIL = ("x_vendorBuild", "20240117")
_EXTRA_ENTRY = ("reserved", "")


class _Writer:
    """Turns items into lines according to a ``Style``."""

    def __init__(self, style: Style) -> None:
        self._style = style
        self._lines: list[str] = []
        self._plain_keys = 0

    def text(self, items: Sequence[Item]) -> str:
        body = list(items)
        if self._style.extra_keys:
            body = [_EXTRA_HEAD, *body, _EXTRA_TAIL]
        self._items(body, depth=0)
        newline = self._style.newline
        return newline.join(self._lines) + newline

    def _items(self, items: Sequence[Item], depth: int) -> None:
        for item in items:
            if isinstance(item, Loop):
                self._loop(item, depth)
            else:
                self._pair(*item)

    def _pair(self, key: str, value: str, *, count: bool = False) -> None:
        spaced = self._style.stray_key_spaces and (count or self._plain_keys % 2 == 1)
        if not count:
            self._plain_keys += 1
        self._lines.append(f"{key} ={value}" if spaced else f"{key}={value}")

    def _loop(self, loop: Loop, depth: int) -> None:
        odd = self._style.odd_markers
        total = len(loop.entries)
        if loop.count:
            self._pair(f"{loop.name}Count", str(total), count=True)
        self._lines.append(f"{loop.name}Begin={2 if odd else 1}")
        for index, entry in enumerate(loop.entries):
            if index:
                marker = loop.next_marker.lower() if odd else loop.next_marker
                self._lines.append(f"{marker}={index + 1}")
            body = [*entry, _EXTRA_ENTRY] if self._style.extra_keys else entry
            self._items(body, depth + 1)
        if odd and depth:
            self._lines.append(f"{loop.name}End")
        else:
            self._lines.append(f"{loop.name}End={1 if odd else total}")


def dump(items: Sequence[Item], style: Style | None = None) -> str:
    """Serialise reply items to text (with a trailing line ending)."""
    return _Writer(style or Style()).text(items)


def loop_pairs(loop: Loop, end_one: Collection[str] = ()) -> list[tuple[str, str]]:
    """Serialise a loop as ordered query pairs, the way set requests carry it.

    The end marker carries the count, except for the loops in ``end_one``
    (OSDCanvas and OSDInfo: "Required and = 1 for set").
    """
    pairs: list[tuple[str, str]] = [(f"{loop.name}Begin", "1")]
    for index, entry in enumerate(loop.entries):
        if index:
            pairs.append((loop.next_marker, str(index + 1)))
        for item in entry:
            if isinstance(item, Loop):
                pairs.extend(loop_pairs(item, end_one))
            else:
                pairs.append(item)
    end = "1" if loop.name in end_one else str(len(loop.entries))
    pairs.append((f"{loop.name}End", end))
    return pairs


@dataclass(slots=True)
class Node:
    """One level of a parsed reply or query: plain pairs plus named loops."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    loops: dict[str, list[Node]] = field(default_factory=dict)

    def get(self, key: str, default: str | None = None) -> str | None:
        """First value of ``key`` at this level."""
        for name, value in self.pairs:
            if name == key:
                return value
        return default

    def first(self) -> dict[str, str]:
        """The plain pairs as a dict; the first occurrence of a key wins."""
        result: dict[str, str] = {}
        for key, value in self.pairs:
            result.setdefault(key, value)
        return result

    def loop(self, name: str) -> list[Node] | None:
        """Entries of the loop called ``name`` (case-insensitive), None if absent."""
        wanted = name.lower()
        for loop_name, entries in self.loops.items():
            if loop_name.lower() == wanted:
                return entries
        return None

    def is_empty(self) -> bool:
        """True when the node holds neither pairs nor loops."""
        return not self.pairs and not self.loops


@dataclass(slots=True)
class _Frame:
    name: str
    entries: list[Node]
    node: Node


def _find_frame(stack: list[_Frame], name: str) -> int:
    """Index of the open loop a marker names; the innermost one if none matches."""
    wanted = name.lower()
    for index in range(len(stack) - 1, -1, -1):
        if stack[index].name.lower() == wanted:
            return index
    for index in range(len(stack) - 1, -1, -1):
        have = stack[index].name.lower()
        if wanted and (have.startswith(wanted) or wanted.startswith(have)):
            return index
    return len(stack) - 1


def _marker(key: str, suffix: str, value: str | None) -> str | None:
    """Loop name if ``key`` is a ``<name><suffix>`` marker with a numeric value."""
    if len(key) <= len(suffix) or not key.lower().endswith(suffix):
        return None
    if value is not None and not _MARKER_VALUE.match(value):
        return None
    return key[: -len(suffix)]


def parse_pairs(pairs: Iterable[tuple[str, str | None]]) -> Node:
    """Build the loop tree from ordered pairs (a value of None is a bare line)."""
    root = Node()
    stack: list[_Frame] = []
    for raw_key, value in pairs:
        key = raw_key.strip()
        if not key:
            continue
        current = stack[-1].node if stack else root
        if (name := _marker(key, "begin", value)) is not None:
            entries = current.loop(name)
            if entries is None:
                entries = current.loops.setdefault(name, [])
            node = Node()
            entries.append(node)
            stack.append(_Frame(name, entries, node))
            continue
        if stack and (match := _NEXT_MARKER.match(key.lower())):
            index = _find_frame(stack, match.group("name") or match.group("alt"))
            del stack[index + 1 :]
            node = Node()
            stack[index].entries.append(node)
            stack[index].node = node
            continue
        if stack and (name := _marker(key, "end", value)) is not None:
            del stack[_find_frame(stack, name) :]
            continue
        current.pairs.append((key, value or ""))
    _prune(root)
    return root


def _prune(node: Node) -> None:
    """Drop empty loop entries (``xBegin=1&xEnd=0`` is an empty loop)."""
    for name, entries in node.loops.items():
        for entry in entries:
            _prune(entry)
        node.loops[name] = [entry for entry in entries if not entry.is_empty()]


def split_lines(text: str) -> Iterator[tuple[str, str | None]]:
    """Key/value pairs of a text reply; lines without ``=`` give a None value."""
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        yield key, (value if sep else None)


def parse_text(text: str) -> Node:
    """Parse a text reply into its loop tree."""
    return parse_pairs(split_lines(text))
