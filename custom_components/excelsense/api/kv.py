"""The camera's ``key=value`` reply format, with its nested loops.

A reply is a list of ``key=value`` lines. Repeated groups are framed by loop
markers: ``<name>Begin=1``, ``next_<name>URL=<n>`` between entries (some
firmware says ``<name>NextURL`` or ``<name>NextFlag``) and ``<name>End=<count>``.
Loops nest up to three deep. Real firmware is sloppy with all of it: marker
names do not always match (``next_AVStreamEncoderURL`` inside
``AVStreamEncoderAbility``), case varies, ``End`` may be 1 instead of the
count, ``Begin`` may be 2, a marker may stand alone without ``=``, keys carry
stray spaces and lines end in CRLF or LF. The parser accepts all of that and
keeps every key it does not know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator, Mapping

_BEGIN = "begin"
# What is trimmed around keys and values: ASCII blanks (a stray space, the CR
# of a CRLF line). A no-break space or another script's space is part of the
# value, as the camera stores it.
_BLANK = " \t\r\n\x0b\x0c"
_END = "end"
_NEXT_LEN = len("next_URL")
# The document nests loops three deep; anything deeper is not a loop we know,
# and a cap keeps hostile replies from costing recursion or quadratic time.
MAX_DEPTH = 8
# What a real camera sends stays far below these (its largest replies, the
# stream abilities and a log window, are some hundred lines): a reply is read
# no further than MAX_LINES lines, and a loop keeps its first
# MAX_LOOP_ENTRIES entries, so no reply costs the event loop more than a few
# milliseconds to parse.
MAX_LINES = 16384
MAX_LOOP_ENTRIES = 256


@dataclass
class KVBlock:
    """One level of a reply: its plain values and the loops it contains."""

    values: dict[str, str] = field(default_factory=dict)
    loops: dict[str, list[KVBlock]] = field(default_factory=dict)

    def get(self, key: str, default: str | None = None) -> str | None:
        """Return a value by key, matching the key's case loosely."""
        if key in self.values:
            return self.values[key]
        folded = key.casefold()
        for name, value in self.values.items():
            if name.casefold() == folded:
                return value
        return default

    def loop(self, name: str) -> list[KVBlock]:
        """Return the entries of a loop (empty if absent), matching case loosely."""
        if name in self.loops:
            return self.loops[name]
        folded = name.casefold()
        for loop_name, entries in self.loops.items():
            if loop_name.casefold() == folded:
                return entries
        return []

    def as_dict(self) -> dict[str, object]:
        """Return a plain, JSON-friendly mapping (for diagnostics)."""
        result: dict[str, object] = dict(self.values)
        for name, entries in self.loops.items():
            result[name] = [entry.as_dict() for entry in entries]
        return result


# Every marker's name ends in one of these (most keys end in none: one check).
_MARKER_ENDINGS = ("url", "nextflag", _BEGIN, _END)


# Field names repeat in every reply: the classification of short keys is
# remembered (keys only, never values; long keys are not, so a hostile reply
# cannot fill memory through the cache).
_CACHED_KEY_LENGTH = 64


_MARKERS: dict[str, tuple[str, str] | None] = {}
_MARKERS_KEPT = 4096


def _marker(key: str) -> tuple[str, str] | None:
    """Classify a key as a loop marker: (kind, loop name) or None."""
    try:
        return _MARKERS[key]
    except KeyError:
        marker = _classify(key)
    if len(key) <= _CACHED_KEY_LENGTH and len(_MARKERS) < _MARKERS_KEPT:
        _MARKERS[key] = marker
    return marker


def _classify(key: str) -> tuple[str, str] | None:
    folded = key.casefold()
    if not folded.endswith(_MARKER_ENDINGS):
        return None
    if folded.startswith("next_") and folded.endswith("url") and len(key) > _NEXT_LEN:
        return ("next", key[5:-3])
    for suffix in ("nexturl", "nextflag"):
        if folded.endswith(suffix) and len(key) > len(suffix):
            return ("next", key[: -len(suffix)])
    if folded.endswith(_BEGIN) and len(key) > len(_BEGIN):
        return (_BEGIN, key[: -len(_BEGIN)])
    if folded.endswith(_END) and len(key) > len(_END):
        return (_END, key[: -len(_END)])
    return None


def _find_open_loop(stack: list[tuple[str, KVBlock]], name: str) -> int | None:
    """Index in the stack of the open loop a marker refers to.

    Exact (case-insensitive) names win; then a loop whose name starts with the
    marker's (``AVStreamEncoder`` -> ``AVStreamEncoderAbility``) or the other
    way round, innermost first.
    """
    folded = name.casefold()
    names = [
        (index, loop_name.casefold()) for index, (loop_name, _) in enumerate(stack)
    ]
    for index, loop_name in reversed(names):
        if loop_name == folded:
            return index
    for index, loop_name in reversed(names):
        if loop_name.startswith(folded) or folded.startswith(loop_name):
            return index
    return None


def parse(body: bytes | str) -> KVBlock:
    """Parse a reply body into nested blocks; never raises on odd input.

    At most ``MAX_LINES`` lines are read and ``MAX_LOOP_ENTRIES`` entries kept
    per loop (later entries are read into a block that is thrown away).
    """
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    text = text.removeprefix("\ufeff")  # a byte-order mark is no part of a key
    root = KVBlock()
    # Each open loop: (loop name, the block its current entry fills).
    stack: list[tuple[str, KVBlock]] = []
    current = root

    # Lines end in LF or CRLF (a lone CR too); not at the other characters
    # str.splitlines() breaks on, which a value may hold.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for raw_line in lines[:MAX_LINES]:
        key, had_sep, value = raw_line.partition("=")
        key = key.strip(_BLANK)
        if not key:
            continue
        marker = _marker(key)
        if marker is None:
            current.values[key] = value.strip(_BLANK)
            continue
        kind, name = marker
        if kind == _BEGIN:
            if len(stack) >= MAX_DEPTH:
                current.values[key] = value.strip(_BLANK)
                continue
            entry = KVBlock()
            _append(current.loops.setdefault(name, []), entry)
            stack.append((name, entry))
            current = entry
            continue
        index = _find_open_loop(stack, name)
        if index is None:
            if had_sep:  # an unmatched marker with a value is kept as a plain key
                current.values[key] = value.strip(_BLANK)
            continue
        loop_name = stack[index][0]
        del stack[index:]
        current = stack[-1][1] if stack else root
        if kind == "next":
            entry = KVBlock()
            _append(current.loops[loop_name], entry)
            stack.append((loop_name, entry))
            current = entry
    return root


def _append(entries: list[KVBlock], entry: KVBlock) -> None:
    """Keep an entry if the loop has room (past it, the entry is discarded)."""
    if len(entries) < MAX_LOOP_ENTRIES:
        entries.append(entry)


Pair = tuple[str, str]


def serialize(
    values: Mapping[str, object],
    loops: Mapping[str, Iterable[KVBlock]] | None = None,
    *,
    end_one: Collection[str] = (),
) -> list[Pair]:
    """Serialise values and loops to ordered query pairs for a set request.

    A loop ends with ``<name>End=<count>`` as in the document's examples,
    except the loops named in ``end_one``, whose end marker the document
    requires to be 1 on set (OSDCanvas and OSDInfo).
    """
    block = KVBlock(
        values={key: _text(value) for key, value in values.items()},
        loops={name: list(entries) for name, entries in (loops or {}).items()},
    )
    return list(_pairs(block, frozenset(end_one)))


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _pairs(block: KVBlock, end_one: frozenset[str]) -> Iterator[Pair]:
    yield from block.values.items()
    for name, entries in block.loops.items():
        yield (f"{name}Begin", "1")
        for number, entry in enumerate(entries, start=1):
            if number > 1:
                yield (f"next_{name}URL", str(number))
            yield from _pairs(entry, end_one)
        yield (f"{name}End", "1" if name in end_one else str(len(entries)))


def block(values: Mapping[str, object], **loops: Iterable[KVBlock]) -> KVBlock:
    """Build a block for :func:`serialize` (values are converted to text)."""
    return KVBlock(
        values={key: _text(value) for key, value in values.items()},
        loops={name: list(entries) for name, entries in loops.items()},
    )
