"""Requests compared the way the document frames them.

Plain keys are compared in any order at their level; loops are compared
exactly: which entry of which loop a key sits in, the order of the entries,
and the sequence of loop markers with their values (``<name>Begin``,
``next_<name>URL``, ``<name>End``). The loop tree comes from the emulator's
parser, which shares no code with the client under test.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tests.emulator.kv import parse_pairs

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tests.emulator.kv import Node

type Pair = tuple[str, str]
type Shape = tuple[tuple[Pair, ...], tuple[tuple[str, tuple[Shape, ...]], ...]]

# Loop markers as the document writes them: "<name>Begin", "<name>End",
# "next_<name>URL" and "<name>NextFlag" / "<name>NextURL" (lines 270-277, 1185).
_MARKER = re.compile(r"^(?:.+(?:Begin|End|NextFlag|NextURL)|next_.+URL)$")


def is_marker(key: str) -> bool:
    """Whether ``key`` frames a loop."""
    return _MARKER.match(key) is not None


def markers(pairs: Iterable[Pair]) -> list[Pair]:
    """The loop markers of a request with their values, in order."""
    return [(key, value) for key, value in pairs if is_marker(key)]


def shape(pairs: Iterable[Pair]) -> Shape:
    """The loop tree of a request; plain keys sorted within each entry."""
    return _shape(parse_pairs(pairs))


def _shape(node: Node) -> Shape:
    return (
        tuple(sorted(node.pairs)),
        tuple(
            (name, tuple(_shape(entry) for entry in entries))
            for name, entries in sorted(node.loops.items())
        ),
    )


def split_loop(pairs: Iterable[Pair], name: str) -> tuple[list[Pair], list[list[Pair]]]:
    """The pairs before a top-level loop and its entries, as written.

    ``OSDCanvasBegin=1 ... next_OSDCanvasURL=2 ... OSDCanvasEnd=1`` gives the
    pairs up to and including ``OSDCanvasBegin`` and one list per entry
    (without the ``next_`` markers and the end marker).
    """
    items = list(pairs)
    keys = [key for key, _ in items]
    begin = keys.index(f"{name}Begin")
    end = keys.index(f"{name}End")
    entries: list[list[Pair]] = [[]]
    for key, value in items[begin + 1 : end]:
        if key == f"next_{name}URL":
            entries.append([])
        else:
            entries[-1].append((key, value))
    return items[: begin + 1], entries
