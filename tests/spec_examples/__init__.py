"""The vendor document's examples and the vendor tools' requests, as typed data.

The JSON files next to this module copy every example request and example reply
of "IP Camera API Documentation, ExcelSense Technologies Corp., Version 2.0"
(one file per chapter, in the document's order), its general responses and
error codes, and the request shapes of the vendor's public scripts
(``vendor_tools.json``). Every entry names the document's section and lines.

Replies keep the document's text verbatim (``verbatim``, trailing spaces of the
PDF extraction included) and a machine-usable form (``reply_lines``); where the
two differ the reply's ``notes`` say what was cleaned and why. Requests are
un-wrapped and percent-decoded into ordered ``params``; the values of
``userName`` and ``password`` are dropped, their presence is kept in ``auth``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
import json
from pathlib import Path
from typing import Any, Literal, cast

DATA = Path(__file__).parent
# The document's chapters with examples, in the document's order.
CHAPTER_FILES: tuple[str, ...] = (
    "device_info.json",
    "device_settings.json",
    "stream_settings.json",
    "recording_settings.json",
    "alarm_and_trigger_settings.json",
    "protocol_info.json",
    "user_management.json",
    "sensor_settings.json",
    "camera_maintenance.json",
    "live_view.json",
)
GENERAL_FILE = "general_api_reference.json"
ERROR_CODES_FILE = "error_codes.json"
VENDOR_TOOLS_FILE = "vendor_tools.json"

type Pair = tuple[str, str]
type LineRange = tuple[int, int]
type ReplyKind = Literal["ok", "kv", "text", "mjpeg", "jpeg"]
type Json = dict[str, Any]


def _lines(raw: list[int]) -> LineRange:
    first, last = raw
    return (first, last)


def _pairs(raw: list[list[str]]) -> tuple[Pair, ...]:
    return tuple((key, value) for key, value in raw)


@dataclass(frozen=True, kw_only=True)
class Parameter:
    """One row of a parameter table of the document."""

    name: str
    type: str
    description: str
    lines: LineRange

    @property
    def keys(self) -> tuple[str, ...]:
        """The query/reply keys the row names (``endTime(1..3)`` is three)."""
        if self.name.endswith("(1..3)"):
            stem = self.name.removesuffix("(1..3)")
            return tuple(f"{stem}{index}" for index in (1, 2, 3))
        return (self.name,)

    @classmethod
    def from_json(cls, raw: Json) -> Parameter:
        """Build from a ``rows`` entry."""
        return cls(
            name=raw["name"],
            type=raw["type"],
            description=raw["description"],
            lines=_lines(raw["lines"]),
        )


def _parameters(raw: Json | None) -> tuple[Parameter, ...]:
    return tuple(Parameter.from_json(row) for row in (raw or {}).get("rows", []))


@dataclass(frozen=True, kw_only=True)
class TemplateParam:
    """A parameter of a URL template; ``optional`` when it stands in brackets."""

    key: str
    value: str
    optional: bool


@dataclass(frozen=True, kw_only=True)
class UrlTemplate:
    """A URL template of the document, un-wrapped."""

    lines: LineRange
    verbatim: tuple[str, ...]
    url: str
    cgi: str
    params: tuple[TemplateParam, ...]
    more_arguments: bool  # it ends in [&<argument>=<value>...]
    malformed: bool
    notes: str = ""

    @property
    def required_keys(self) -> tuple[str, ...]:
        """Keys outside brackets, in order."""
        return tuple(param.key for param in self.params if not param.optional)

    @classmethod
    def from_json(cls, raw: Json) -> UrlTemplate:
        """Build from a ``url_templates`` entry."""
        return cls(
            lines=_lines(raw["lines"]),
            verbatim=tuple(raw["verbatim"]),
            url=raw["url"],
            cgi=raw["cgi"],
            params=tuple(
                TemplateParam(
                    key=param["key"], value=param["value"], optional=param["optional"]
                )
                for param in raw["params"]
            ),
            more_arguments=raw["more_arguments"],
            malformed=raw["malformed"],
            notes=raw.get("notes", ""),
        )


@dataclass(frozen=True, kw_only=True)
class Request:
    """An example request: ordered parameters after ``userName`` and ``password``."""

    lines: LineRange
    verbatim: tuple[str, ...]
    method: str
    host: str
    url: str  # un-wrapped, as written (percent-encoding kept), credentials as <...>
    auth: tuple[str, ...]
    params: tuple[Pair, ...]
    omits: tuple[str, ...]  # keys its template has without brackets
    notes: str

    def query(self, username: str, password: str) -> list[Pair]:
        """The full ordered query with the given credentials."""
        credentials = {"userName": username, "password": password}
        return [*((key, credentials[key]) for key in self.auth), *self.params]

    def raw_query(self, username: str, password: str) -> str:
        """The query string exactly as the document writes it (encoded)."""
        query = self.url.partition("?")[2]
        return query.replace("<username>", username).replace("<password>", password)

    def get(self, key: str) -> str | None:
        """First value of ``key``."""
        return next((value for name, value in self.params if name == key), None)

    @classmethod
    def from_json(cls, raw: Json) -> Request:
        """Build from a ``request`` entry."""
        return cls(
            lines=_lines(raw["lines"]),
            verbatim=tuple(raw["verbatim"]),
            method=raw["method"],
            host=raw["host"],
            url=raw["url"],
            auth=tuple(raw["auth"]),
            params=_pairs(raw["params"]),
            omits=tuple(raw["omits"]),
            notes=raw["notes"],
        )


@dataclass(frozen=True, kw_only=True)
class Elision:
    """Where the document left part of a reply out."""

    line: int
    text: str
    stands_for: str


@dataclass(frozen=True, kw_only=True)
class Reply:
    """An example reply: the document's text and its machine-usable lines."""

    kind: ReplyKind
    lines: LineRange
    verbatim: tuple[str, ...]
    reply_lines: tuple[str, ...]
    elided: bool
    elisions: tuple[Elision, ...] = ()
    conditional_keys: dict[str, str] = field(default_factory=dict)
    http: Json | None = None
    notes: str = ""

    @property
    def text(self) -> str:
        """``reply_lines`` as a reply body (LF line ends)."""
        return "".join(f"{line}\n" for line in self.reply_lines)

    @classmethod
    def from_json(cls, raw: Json) -> Reply:
        """Build from a ``reply`` entry."""
        return cls(
            kind=cast("ReplyKind", raw["kind"]),
            lines=_lines(raw["lines"]),
            verbatim=tuple(raw["verbatim"]),
            reply_lines=tuple(raw["reply_lines"]),
            elided=raw["elided"],
            elisions=tuple(Elision(**elision) for elision in raw.get("elisions", [])),
            conditional_keys=dict(raw.get("conditional_keys", {})),
            http=raw.get("http"),
            notes=raw.get("notes", ""),
        )


@dataclass(frozen=True, kw_only=True)
class Example:
    """One operation of the document with its example request and reply."""

    id: str
    section: str  # "<chapter> / <operation heading>", as in the document
    chapter: str
    feature: str
    heading: str
    heading_line: int
    operation: str
    cgi: str
    method: str
    action: str | None
    type: str | None
    url_templates: tuple[UrlTemplate, ...]
    request: Request
    reply: Reply
    parameters: tuple[Parameter, ...]
    notes: str = ""

    @property
    def documented_keys(self) -> frozenset[str]:
        """Every key the operation's parameter table names."""
        return frozenset(key for row in self.parameters for key in row.keys)

    @classmethod
    def from_json(
        cls, raw: Json, *, chapter: str, feature: str, parameters: tuple[Parameter, ...]
    ) -> Example:
        """Build from an ``operations`` entry of a feature."""
        return cls(
            id=raw["id"],
            section=raw["section"],
            chapter=chapter,
            feature=feature,
            heading=raw["heading"],
            heading_line=raw["heading_line"],
            operation=raw["operation"],
            cgi=raw["cgi"],
            method=raw["method"],
            action=raw["action"],
            type=raw["type"],
            url_templates=tuple(
                UrlTemplate.from_json(template) for template in raw["url_templates"]
            ),
            request=Request.from_json(raw["request"]),
            reply=Reply.from_json(raw["reply"]),
            parameters=_parameters(raw.get("parameters")) or parameters,
            notes=raw.get("notes", ""),
        )


def _read(name: str) -> Json:
    return cast("Json", json.loads((DATA / name).read_text(encoding="utf-8")))


@cache
def load_examples() -> tuple[Example, ...]:
    """Every example of the document, in the document's order."""
    examples: list[Example] = []
    for name in CHAPTER_FILES:
        chapter = _read(name)
        for feature in chapter["features"]:
            parameters = _parameters(feature.get("parameters"))
            examples.extend(
                Example.from_json(
                    operation,
                    chapter=chapter["chapter"],
                    feature=feature["name"],
                    parameters=parameters,
                )
                for operation in feature["operations"]
            )
    return tuple(examples)


def example(example_id: str) -> Example:
    """One example by id (``deviceInfo.get``, ``OSDCanvas.set``, ...)."""
    for candidate in load_examples():
        if candidate.id == example_id:
            return candidate
    raise KeyError(example_id)


@dataclass(frozen=True, kw_only=True)
class GeneralResponse:
    """The document's general success or error reply."""

    lines: LineRange
    verbatim: tuple[str, ...]
    http_status: int
    content_type: str
    body: str | None = None  # the success body
    body_template: str | None = None  # the error body with %d for the code
    body_pattern: str | None = None
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class GeneralReference:
    """Chapter "General API Reference": parameters and general responses."""

    parameters: tuple[Parameter, ...]
    success: GeneralResponse
    error: GeneralResponse


def _response(raw: Json) -> GeneralResponse:
    return GeneralResponse(
        lines=_lines(raw["lines"]),
        verbatim=tuple(raw["verbatim"]),
        http_status=raw["http_status"],
        content_type=raw["content_type"],
        body=raw.get("body"),
        body_template=raw.get("body_template"),
        body_pattern=raw.get("body_pattern"),
        notes=raw.get("notes", ""),
    )


@cache
def load_general() -> GeneralReference:
    """The general API reference (success and error reply formats)."""
    raw = _read(GENERAL_FILE)
    return GeneralReference(
        parameters=_parameters(raw["parameters"]),
        success=_response(raw["responses"]["success"]),
        error=_response(raw["responses"]["error"]),
    )


@dataclass(frozen=True, kw_only=True)
class ErrorCode:
    """One row of the document's error code tables."""

    code: int
    description: str
    group: str
    line: int


@cache
def load_error_codes() -> tuple[ErrorCode, ...]:
    """Every error code of the document, in its order."""
    return tuple(
        ErrorCode(
            code=code["code"],
            description=code["description"],
            group=group["name"],
            line=code["line"],
        )
        for group in _read(ERROR_CODES_FILE)["groups"]
        for code in group["codes"]
    )


@dataclass(frozen=True, kw_only=True)
class VendorRequest:
    """One request a vendor script sends (``variant`` names its options)."""

    variant: str
    params: tuple[Pair, ...]

    def query(self, auth: tuple[str, ...], username: str, password: str) -> list[Pair]:
        """The full ordered query with the given credentials."""
        credentials = {"userName": username, "password": password}
        return [*((key, credentials[key]) for key in auth), *self.params]


@dataclass(frozen=True, kw_only=True)
class VendorExpectation:
    """What a vendor script checks in the reply (None: not checked)."""

    http_status: int | None
    body: str | None
    description: str


@dataclass(frozen=True, kw_only=True)
class VendorTool:
    """A public script of the vendor and the request shape it uses."""

    id: str
    path: str
    version: str | None
    released: str | None
    purpose: str
    method: str
    cgi: str
    content_type: str | None
    body: str | None
    auth: tuple[str, ...]
    requests: tuple[VendorRequest, ...]
    repeat: Json | None
    timeout_seconds: float | None
    expects: VendorExpectation
    notes: str


@dataclass(frozen=True, kw_only=True)
class VendorTools:
    """``vendor_tools.json``: where the scripts come from, and the scripts."""

    repository: str
    commit: str
    tools: tuple[VendorTool, ...]


@cache
def load_vendor_tools() -> VendorTools:
    """The vendor scripts' request shapes."""
    raw = _read(VENDOR_TOOLS_FILE)
    return VendorTools(
        repository=raw["repository"],
        commit=raw["commit"],
        tools=tuple(
            VendorTool(
                id=tool["id"],
                path=tool["path"],
                version=tool["version"],
                released=tool["released"],
                purpose=tool["purpose"],
                method=tool["method"],
                cgi=tool["cgi"],
                content_type=tool["content_type"],
                body=tool["body"],
                auth=tuple(tool["auth"]),
                requests=tuple(
                    VendorRequest(
                        variant=request["variant"], params=_pairs(request["params"])
                    )
                    for request in tool["requests"]
                ),
                repeat=tool["repeat"],
                timeout_seconds=tool["timeout_seconds"],
                expects=VendorExpectation(**tool["expects"]),
                notes=tool["notes"],
            )
            for tool in raw["tools"]
        ),
    )
