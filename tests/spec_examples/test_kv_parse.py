"""Every example reply of the document parses with the client's parser, whole."""

from __future__ import annotations

from collections import Counter
import re

import pytest

from custom_components.excelsense.api import kv
from tests.spec_examples import Example, load_examples

KV_EXAMPLES = [example for example in load_examples() if example.reply.kind == "kv"]
IDS = [example.id for example in KV_EXAMPLES]

# Loop markers as the document writes them: "<name>Begin", "<name>End",
# "next_<name>URL" and "<name>NextFlag" / "<name>NextURL" (lines 270-277, 1185).
_MARKER = re.compile(r"^(?:.+(?:Begin|End|NextFlag|NextURL)|next_.+URL)$")


def _split(line: str) -> tuple[str, str]:
    key, _, value = line.partition("=")
    return key.strip(), value.strip()


def _values(block: kv.KVBlock) -> Counter[tuple[str, str]]:
    """Every plain key/value of a parsed reply, at every depth."""
    found: Counter[tuple[str, str]] = Counter(block.values.items())
    for entries in block.loops.values():
        for entry in entries:
            found += _values(entry)
    return found


def _loops(block: kv.KVBlock) -> Counter[str]:
    """How many entries each loop name has, summed over every depth."""
    found: Counter[str] = Counter()
    for name, entries in block.loops.items():
        found[name] += len(entries)
        for entry in entries:
            found += _loops(entry)
    return found


@pytest.mark.parametrize("example", KV_EXAMPLES, ids=IDS)
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_example_reply_parses_without_losing_a_key(
    example: Example, newline: str
) -> None:
    """Every key=value line of the reply is a value of the parsed tree, once.

    The marker lines are the loop structure: every Begin opens a loop, every
    next_ marker opens one more entry of it.
    """
    lines = example.reply.reply_lines
    block = kv.parse(newline.join(lines).encode())
    plain = [_split(line) for line in lines if not _MARKER.match(_split(line)[0])]
    assert _values(block) == Counter(plain)
    begins = Counter(
        _split(line)[0].removesuffix("Begin")
        for line in lines
        if _split(line)[0].endswith("Begin")
    )
    nexts = sum(
        1 for line in lines if re.match(r"^(next_.+URL|.+NextFlag|.+NextURL)=", line)
    )
    loops = _loops(block)
    assert set(loops) == set(begins)
    assert sum(loops.values()) == sum(begins.values()) + nexts


@pytest.mark.parametrize(
    "example", [e for e in KV_EXAMPLES if not e.reply.elided], ids=lambda e: e.id
)
def test_example_reply_loops_match_their_counts(example: Example) -> None:
    """``<name>End=<n>`` and ``<name>Count=<n>`` agree with the parsed entries.

    The document: "Disk info loop end flag (count)" (line 870), "Schedule loop
    end flag (count)" (line 1126).
    """
    block = kv.parse(example.reply.text)
    checked = 0
    for key, value in (_split(line) for line in example.reply.reply_lines):
        for suffix in ("End", "Count"):
            name = key.removesuffix(suffix)
            if key.endswith(suffix) and (entries := _find_loop(block, name)):
                assert len(entries) == int(value), key
                checked += 1
    assert checked == sum(
        1 for line in example.reply.reply_lines if _split(line)[0].endswith("End")
    ) + sum(
        1 for line in example.reply.reply_lines if _split(line)[0].endswith("Count")
    )


def _find_loop(block: kv.KVBlock, name: str) -> list[kv.KVBlock]:
    if entries := block.loop(name):
        return entries
    for entries in block.loops.values():
        for entry in entries:
            if found := _find_loop(entry, name):
                return found
    return []


@pytest.mark.parametrize("example", KV_EXAMPLES, ids=IDS)
def test_verbatim_reply_parses_and_keeps_every_key(example: Example) -> None:
    """The document's text as printed (annotations, blank lines, elisions) parses.

    Its keys are all kept; the annotation of ``quality`` stays in the value.
    """
    block = kv.parse("\n".join(example.reply.verbatim))
    keys = {key for key, _ in _values(block)}
    for line in example.reply.reply_lines:
        key, value = _split(line)
        if not _MARKER.match(key):
            assert key in keys
            if key not in example.reply.conditional_keys:
                assert (key, value) in _values(block)
