"""Check the integration against the newest Home Assistant release, without running it.

Downloads the newest ``homeassistant`` wheel from PyPI (nothing is installed), reads
its source straight from the zip and checks that every ``homeassistant.*`` name the
integration uses still exists there and is not deprecated:

- every ``from homeassistant.x import A`` and ``import homeassistant.x``, following
  re-exports (``from .y import A``, ``__all__``, star imports);
- attributes taken from those names: ``cv.string``, ``ir.IssueSeverity.ERROR``,
  members of Home Assistant enums, and members that our classes use or override
  on their Home Assistant base classes (``self.show_advanced_options``), also
  through annotated parameters (``entry: ConfigEntry`` then ``entry.x``);
- ``voluptuous`` names, when the release aliases voluptuous to another package.

Deprecated means one of Home Assistant's deprecation helpers applies:
``DeprecatedConstant``/``DeprecatedConstantEnum``/``DeprecatedAlias`` values, a
``_DEPRECATED_<name>`` constant behind the module's ``__getattr__``, the
``deprecated_class``/``deprecated_function``/``deprecated_substitute`` decorators
(and ``warnings.deprecated``), enums with deprecated members, deprecated entity
members, or an unconditional ``report_usage``/``frame.report``/``DeprecationWarning``
in the function or constructor. Conditional reports are printed as notes.

It also warns about what the release reports that applies to this code (a bool
returned from ``async_setup_entry``, voluptuous where the release validates with
another engine, ``hass.data`` instead of ``ConfigEntry.runtime_data``, …) and
about quality-scale rules the release knows that ``quality_scale.yaml`` lacks.

Standard library only; runs on Python 3.11+ (newer syntax in Home Assistant's
source is rewritten before parsing). Exit status: 0 fine (warnings allowed),
1 a missing or deprecated name, 2 the release could not be downloaded or read.
"""

from __future__ import annotations

import argparse
import ast
from dataclasses import dataclass, field
import hashlib
import json
import os
from pathlib import Path
import re
import sys
import tempfile
from typing import TYPE_CHECKING, Final
import urllib.error
import urllib.parse
import urllib.request
import zipfile

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

ROOT: Final = Path(__file__).resolve().parent.parent
INTEGRATION: Final = ROOT / "custom_components" / "excelsense"
PACKAGE: Final = "custom_components.excelsense"
CACHE: Final = ROOT / "artifacts" / "compat"
PYPI_JSON: Final = "https://pypi.org/pypi/{project}/json"
TIMEOUT: Final = 120

EXIT_OK: Final = 0
EXIT_PROBLEM: Final = 1
EXIT_DOWNLOAD: Final = 2

# Home Assistant's deprecation helpers, by the name they are defined under.
DEPRECATED_VALUES: Final = frozenset(
    {
        "DeprecatedConstant",
        "DeprecatedConstantEnum",
        "DeprecatedAlias",
        "DeferredDeprecatedAlias",
        "DeprecatedEntityProperty",
        "DeprecatedEntityAttr",
    }
)
DEPRECATED_DECORATORS: Final = frozenset(
    {"deprecated_class", "deprecated_function", "deprecated_substitute", "deprecated"}
)
HASS_ARGUMENT_DECORATOR: Final = "deprecated_hass_argument"
REPORT_FUNCTIONS: Final = frozenset(
    {
        "report",
        "report_usage",
        "_print_deprecation_warning",
        "_print_deprecation_warning_internal",
    }
)
# Modules whose report functions count (a bare ``report`` elsewhere is anything).
REPORT_MODULES: Final = ("frame", "deprecation")
DEPRECATION_WARNINGS: Final = frozenset(
    {"DeprecationWarning", "PendingDeprecationWarning", "FutureWarning"}
)
# Constructors: a report in these applies to everyone using the class.
CONSTRUCTORS: Final = ("__init__", "__new__", "__init_subclass__", "__post_init__")
ENUM_BASES: Final = frozenset({"Enum", "StrEnum", "IntEnum", "IntFlag", "Flag"})
SETUP_FUNCTIONS: Final = (
    "async_setup_entry",
    "async_unload_entry",
    "async_migrate_entry",
)


class DownloadError(Exception):
    """The release could not be downloaded or read."""


# --------------------------------------------------------------------------- parsing


def _group_end(text: str, start: int) -> int:
    """Index just past the bracket group that opens at ``text[start]``."""
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char in "[({":
            depth += 1
        elif char in "])}":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


_GENERIC_DEF = re.compile(
    r"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+\w+(?=\[)", re.MULTILINE
)
_TYPE_STATEMENT = re.compile(r"^([ \t]*)type[ \t]+(\w+)(?=[ \t]*[\[=])", re.MULTILINE)
_BARE_EXCEPT_TUPLE = re.compile(
    r"^([ \t]*except\*?[ \t]+)(?!\()([^\n:#]*,[^\n:#]*?)([ \t]*:)", re.MULTILINE
)


def downgrade(text: str) -> str:
    """Rewrite syntax newer than this Python into an equivalent it can parse.

    Only what matters for finding names: ``type X[T] = ...`` becomes ``X = ...``,
    type parameters of ``def f[T]`` and ``class C[T]`` go, and ``except A, B:``
    (Python 3.14) gets its parentheses.
    """
    parts: list[str] = []
    pos = 0
    matches = sorted(
        [*_GENERIC_DEF.finditer(text), *_TYPE_STATEMENT.finditer(text)],
        key=lambda match: match.start(),
    )
    for match in matches:
        if match.start() < pos:
            continue
        if match.re is _TYPE_STATEMENT:
            parts.extend((text[pos : match.start()], match.group(1) + match.group(2)))
        else:
            parts.append(text[pos : match.end()])
        pos = match.end()
        gap = len(text[pos:]) - len(text[pos:].lstrip(" \t"))
        if text[pos + gap : pos + gap + 1] == "[":
            pos = _group_end(text, pos + gap)
    parts.append(text[pos:])

    def parenthesise(match: re.Match[str]) -> str:
        if " as " in match.group(2):
            return match.group(0)
        return f"{match.group(1)}({match.group(2)}){match.group(3)}"

    return _BARE_EXCEPT_TUPLE.sub(parenthesise, "".join(parts))


_TOP_LEVEL_NAME = re.compile(
    r"^(?:async[ \t]+def|def|class|type)[ \t]+(\w+)|^(\w+)[ \t]*(?::[^=\n]*)?=(?!=)",
    re.MULTILINE,
)


def parse(text: str) -> ast.Module | None:
    """Parse a module, rewriting newer syntax if needed; None if that fails too."""
    try:
        return ast.parse(text)
    except SyntaxError:
        pass
    try:
        return ast.parse(downgrade(text))
    except SyntaxError:
        return None


# --------------------------------------------------------------------------- source


@dataclass(frozen=True)
class ModuleRef:
    """A name bound to a module (``import a.b as x``)."""

    module: str


@dataclass(frozen=True)
class ImportRef:
    """A name bound by ``from module import name``."""

    module: str
    name: str


# A ``type`` statement would need Python 3.12; this runs on 3.11 too.
Binding = ModuleRef | ImportRef | ast.AST


@dataclass
class ModuleInfo:
    """The names a module defines at run time, as far as its source tells."""

    name: str
    is_package: bool
    tree: ast.Module | None
    bindings: dict[str, Binding] = field(default_factory=dict)
    stars: list[str] = field(default_factory=list)
    has_getattr: bool = False
    # Imports under ``if TYPE_CHECKING:``, which only annotations can use.
    typing_bindings: dict[str, Binding] = field(default_factory=dict)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def absolute_module(current: str, *, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module of a (possibly relative) ``from ... import``."""
    if not node.level:
        return node.module or ""
    parts = current.split(".")
    if not is_package:
        parts = parts[:-1]
    parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
    return ".".join([*parts, *([node.module] if node.module else [])])


def _runtime_statements(
    body: Iterable[ast.stmt], *, typing: bool = False
) -> Iterator[ast.stmt]:
    """Statements that run at import, entering ``if``/``try``.

    ``if TYPE_CHECKING:`` bodies are left out, or are all there is with ``typing``.
    """
    for statement in body:
        if isinstance(statement, ast.If) and _is_type_checking(statement.test):
            blocks = [statement.body] if typing else [statement.orelse]
        elif typing:
            continue
        elif isinstance(statement, ast.If):
            blocks = [statement.body, statement.orelse]
        elif isinstance(statement, ast.Try):
            blocks = [statement.body, statement.orelse, statement.finalbody]
            blocks += [handler.body for handler in statement.handlers]
        else:
            yield statement
            continue
        for block in blocks:
            yield from _runtime_statements(block)


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)


_TYPE_ALIAS: Final = getattr(ast, "TypeAlias", ())


def module_info(name: str, text: str, *, is_package: bool) -> ModuleInfo:
    """Index the names a module's source binds at import time."""
    tree = parse(text)
    info = ModuleInfo(name=name, is_package=is_package, tree=tree)
    if tree is None:
        # Unparseable here: keep the top-level names, without their details.
        for match in _TOP_LEVEL_NAME.finditer(text):
            info.bindings[match.group(1) or match.group(2)] = ast.Pass()
        return info
    _bind(info, _runtime_statements(tree.body), info.bindings)
    _bind(info, _runtime_statements(tree.body, typing=True), info.typing_bindings)
    info.has_getattr = "__getattr__" in info.bindings
    return info


def _bind(
    info: ModuleInfo, statements: Iterable[ast.stmt], bindings: dict[str, Binding]
) -> None:
    for statement in statements:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            _bind_import(info, statement, bindings)
        elif isinstance(
            statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        ):
            bindings[statement.name] = statement
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = (
                statement.targets
                if isinstance(statement, ast.Assign)
                else [statement.target]
            )
            for target in targets:
                for target_name in _target_names(target):
                    bindings[target_name] = statement
        elif _TYPE_ALIAS and isinstance(statement, _TYPE_ALIAS):
            bindings[statement.name.id] = statement  # type: ignore[attr-defined]


def _bind_import(
    info: ModuleInfo,
    statement: ast.Import | ast.ImportFrom,
    bindings: dict[str, Binding],
) -> None:
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            module = alias.name if alias.asname else alias.name.split(".")[0]
            bindings[alias.asname or module] = ModuleRef(module)
        return
    source = absolute_module(info.name, is_package=info.is_package, node=statement)
    for alias in statement.names:
        if alias.name != "*":
            bindings[alias.asname or alias.name] = ImportRef(source, alias.name)
        elif bindings is info.bindings:
            info.stars.append(source)


class Tree:
    """Python source by module name: a wheel's members and files on disk."""

    def __init__(self) -> None:
        """Start empty; add zips and folders."""
        self._files: dict[str, tuple[bool, object]] = {}
        self._infos: dict[str, ModuleInfo | None] = {}
        self._zips: list[zipfile.ZipFile] = []

    def add_zip(self, path: Path, top: str) -> None:
        """Add the modules of package ``top`` from a wheel."""
        archive = zipfile.ZipFile(path)
        self._zips.append(archive)
        for member in archive.namelist():
            if member.startswith(f"{top}/") and member.endswith(".py"):
                self._add(member, (archive, member))

    def add_folder(self, folder: Path, package: str) -> None:
        """Add a package from disk, named ``package``."""
        for path in folder.rglob("*.py"):
            relative = path.relative_to(folder).as_posix()
            self._add(f"{package.replace('.', '/')}/{relative}", path)

    def add_text(self, module: str, text: str, *, is_package: bool = False) -> None:
        """Add one module from text (for tests)."""
        self._files[module] = (is_package, text)

    def _add(self, member: str, source: object) -> None:
        parts = member[: -len(".py")].split("/")
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        self._files[".".join(parts)] = (is_package, source)

    def close(self) -> None:
        """Close the wheels."""
        for archive in self._zips:
            archive.close()

    def data_files(self, filename: str) -> Iterator[str]:
        """Text of every Home Assistant member named ``filename`` in the wheels."""
        for archive in self._zips:
            for member in archive.namelist():
                if member.startswith("homeassistant/") and member.endswith(
                    f"/{filename}"
                ):
                    yield archive.read(member).decode("utf-8")

    def modules(self, package: str) -> list[str]:
        """A package's modules, sorted."""
        return sorted(
            name
            for name in self._files
            if name == package or name.startswith(f"{package}.")
        )

    def exists(self, module: str) -> bool:
        """Whether a module of that name exists."""
        return module in self._files

    def text(self, module: str) -> str | None:
        """A module's source."""
        if module not in self._files:
            return None
        source = self._files[module][1]
        if isinstance(source, str):
            return source
        if isinstance(source, Path):
            return source.read_text(encoding="utf-8")
        archive, member = source  # type: ignore[misc]
        return str(archive.read(member).decode("utf-8"))

    def info(self, module: str) -> ModuleInfo | None:
        """A module's index (cached)."""
        if module not in self._infos:
            text = self.text(module)
            self._infos[module] = (
                None
                if text is None
                else module_info(module, text, is_package=self._files[module][0])
            )
        return self._infos[module]


# --------------------------------------------------------------------------- resolution


@dataclass(frozen=True)
class Definition:
    """What a name resolves to."""

    module: str
    qualname: str
    node: ast.AST | None = None  # None: a module

    @property
    def is_module(self) -> bool:
        """Whether the name is a module."""
        return self.node is None

    @property
    def is_class(self) -> bool:
        """Whether the name is a class."""
        return isinstance(self.node, ast.ClassDef)


def _callee(node: ast.expr) -> ast.expr:
    """The called thing of a decorator or value, without generic subscripts."""
    if isinstance(node, ast.Call):
        node = node.func
    while isinstance(node, ast.Subscript):
        node = node.value
    return node


def _text_of(node: ast.expr | None) -> str:
    if node is None:
        return ""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # f"...{x}..." as ...{x}...
        return "".join(
            _text_of(part)
            if isinstance(part, ast.Constant)
            else f"{{{_text_of(part)}}}"
            for part in node.values
        )
    if isinstance(node, ast.FormattedValue):
        return ast.unparse(node.value)
    return ast.unparse(node)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def _breaks(call: ast.Call) -> str:
    version = _keyword(call, "breaks_in_ha_version")
    if version is None and call.args:
        # The last positional argument of DeprecatedConstant(value, replacement,
        # breaks) and DeprecatedConstantEnum(member, breaks).
        helper = _text_of(_callee(call))
        position = {"DeprecatedConstantEnum": 1, "DeprecatedConstant": 2}.get(
            helper.split(".")[-1], 2
        )
        version = call.args[position] if len(call.args) > position else None
    text = _text_of(version)
    return f" (breaks in {text})" if text and text != "None" else ""


class Resolver:
    """Resolves names and members in a Tree, with deprecation details."""

    def __init__(self, tree: Tree) -> None:
        """Resolve in ``tree``."""
        self.tree = tree

    # ---- names

    def lookup(
        self,
        module: str,
        name: str,
        _seen: frozenset[tuple[str, str]] = frozenset(),
        *,
        typing: bool = False,
    ) -> Definition | None:
        """Resolve ``from module import name``; None when it does not exist.

        With ``typing``, imports made only for type checkers count too.
        """
        if (module, name) in _seen:
            return None
        seen = _seen | {(module, name)}
        info = self.tree.info(module)
        if info is None:
            return None
        binding = info.bindings.get(name)
        if binding is None and typing:
            binding = info.typing_bindings.get(name)
        if binding is not None:
            return self._bound(module, name, binding, seen, typing=typing)
        if info.has_getattr and f"_DEPRECATED_{name}" in info.bindings:
            return Definition(module, name, info.bindings[f"_DEPRECATED_{name}"])
        if self.tree.exists(f"{module}.{name}"):
            return Definition(f"{module}.{name}", name)
        starred = (
            self.lookup(star, name, seen)
            for star in info.stars
            if name in self.star_names(star, name)
        )
        return next((found for found in starred if found is not None), None)

    def star_names(self, module: str, name: str) -> frozenset[str]:
        """What ``from module import *`` may bind of ``name``: ``__all__`` decides."""
        info = self.tree.info(module)
        listed = info.bindings.get("__all__") if info else None
        value = getattr(listed, "value", None)
        if isinstance(value, (ast.List, ast.Tuple)):
            return frozenset(
                element.value
                for element in value.elts
                if isinstance(element, ast.Constant) and isinstance(element.value, str)
            )
        return frozenset() if name.startswith("_") else frozenset({name})

    def _bound(
        self,
        module: str,
        name: str,
        binding: Binding,
        seen: frozenset[tuple[str, str]],
        *,
        typing: bool,
    ) -> Definition | None:
        """What a module-level binding refers to."""
        if isinstance(binding, ImportRef):
            found = self.lookup(binding.module, binding.name, seen, typing=typing)
            submodule = f"{binding.module}.{binding.name}"
            if found is None and self.tree.exists(submodule):
                return Definition(submodule, binding.name)
            return found
        if isinstance(binding, ModuleRef):
            exists = self.tree.exists(binding.module)
            return Definition(binding.module, binding.module) if exists else None
        return Definition(module, name, binding)

    def origin(self, module: str, node: ast.expr) -> str:
        """The name a Name/Attribute has where it was defined (``frame.report``)."""
        if isinstance(node, ast.Attribute):
            return node.attr
        if isinstance(node, ast.Name):
            info = self.tree.info(module)
            binding = info.bindings.get(node.id) if info else None
            if isinstance(binding, ImportRef):
                return binding.name
            return node.id
        return ""

    def _origin_module(self, module: str, node: ast.expr) -> str:
        """The module a report function comes from (to tell frame.report apart)."""
        if isinstance(node, ast.Attribute):
            return _text_of(node.value)
        if isinstance(node, ast.Name):
            info = self.tree.info(module)
            binding = info.bindings.get(node.id) if info else None
            if isinstance(binding, ImportRef):
                return binding.module
            return module
        return ""

    # ---- deprecation of one definition

    def _report_message(self, module: str, call: ast.Call) -> str | None:
        """The message of a deprecation report call, or None if it is not one."""
        func = call.func
        name = self.origin(module, func)
        if name in {"warn", "warn_explicit"}:
            categories = [*call.args[1:2], _keyword(call, "category")]
            if any(
                category is not None
                and _text_of(category).split(".")[-1] in DEPRECATION_WARNINGS
                for category in categories
            ):
                return _text_of(call.args[0]) if call.args else "DeprecationWarning"
            return None
        if name not in REPORT_FUNCTIONS:
            return None
        source = self._origin_module(module, func).split(".")[-1]
        if source not in REPORT_MODULES:
            return None
        message = _text_of(call.args[0]) if call.args else ""
        behaviour = _text_of(_keyword(call, "custom_integration_behavior"))
        ignored = (
            " (not reported for custom integrations)" if "IGNORE" in behaviour else ""
        )
        return f"{message}{_breaks(call)}{ignored}"

    def reports(
        self, module: str, function: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> tuple[list[str], list[str]]:
        """Deprecation reports in a function: (unconditional, conditional)."""
        always: list[str] = []
        sometimes: list[str] = []
        direct = {
            id(statement.value)
            for statement in function.body
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
        }
        for node in _walk_own(function):
            if isinstance(node, ast.Call) and (
                message := self._report_message(module, node)
            ):
                (always if id(node) in direct else sometimes).append(message)
        return always, sometimes

    def deprecation(self, definition: Definition) -> str | None:
        """Why a definition is deprecated, or None."""
        node, module = definition.node, definition.module
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(
            node.value, ast.Call
        ):
            helper = self.origin(module, _callee(node.value))
            if helper in DEPRECATED_VALUES:
                call = node.value
                return f"{helper}{_replacement(helper, call)}{_breaks(call)}"
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return None
        for decorator in node.decorator_list:
            helper = self.origin(module, _callee(decorator))
            if helper in DEPRECATED_DECORATORS:
                return _decorator_text(helper, decorator)
        if isinstance(node, ast.ClassDef):
            always = [
                m for f in _constructors(node) for m in self.reports(module, f)[0]
            ]
            return f"reports when used: {always[0]}" if always else None
        always = self.reports(module, node)[0]
        return f"reports when called: {always[0]}" if always else None

    def conditional_reports(self, definition: Definition) -> list[str]:
        """Reports that a function or a class's constructor makes under a condition."""
        node = definition.node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self.reports(definition.module, node)[1]
        if isinstance(node, ast.ClassDef):
            return [
                message
                for method in _constructors(node)
                for message in self.reports(definition.module, method)[1]
            ]
        return []

    def hass_argument_deprecated(self, definition: Definition) -> bool:
        """Whether passing ``hass`` to this function is deprecated."""
        node = definition.node
        return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            self.origin(definition.module, _callee(decorator))
            == HASS_ARGUMENT_DECORATOR
            for decorator in node.decorator_list
        )

    # ---- classes

    def bases(self, definition: Definition) -> list[Definition]:
        """A class's base classes that resolve in the tree."""
        node = definition.node
        if not isinstance(node, ast.ClassDef):
            return []
        found = []
        for base in node.bases:
            resolved = self.expression(definition.module, base)
            if resolved is not None and resolved.is_class:
                found.append(resolved)
        return found

    def mro(self, definition: Definition) -> list[Definition]:
        """The class and its resolvable ancestors, depth first, each once."""
        order: list[Definition] = []

        def visit(current: Definition) -> None:
            if current in order:
                return
            order.append(current)
            for base in self.bases(current):
                visit(base)

        visit(definition)
        return order

    def is_enum(self, definition: Definition) -> bool:
        """Whether a class is an enum (its members are a closed set)."""
        node = definition.node
        if not isinstance(node, ast.ClassDef):
            return False
        for base in node.bases:
            if self.origin(definition.module, _callee(base)) in ENUM_BASES:
                return True
        return any(self.is_enum(base) for base in self.bases(definition))

    def own_member(self, definition: Definition, name: str) -> Definition | None:
        """A member defined in the class body itself."""
        node = definition.node
        assert isinstance(node, ast.ClassDef)  # noqa: S101 - callers pass classes
        for statement in _runtime_statements(node.body):
            names: list[str] = []
            if isinstance(
                statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            ):
                names = [statement.name]
            elif isinstance(statement, ast.Assign):
                names = [n for t in statement.targets for n in _target_names(t)]
            elif isinstance(statement, ast.AnnAssign):
                names = list(_target_names(statement.target))
            if name in names:
                return Definition(
                    definition.module, f"{definition.qualname}.{name}", statement
                )
        return None

    def member(self, definition: Definition, name: str) -> Definition | None:
        """Look a member up through the class and its ancestors."""
        for owner in self.mro(definition):
            if (found := self.own_member(owner, name)) is not None:
                return found
        return None

    def enum_deprecation(self, definition: Definition, name: str) -> str | None:
        """Deprecated enum members (``EnumWithDeprecatedMembers``)."""
        node = definition.node
        if not isinstance(node, ast.ClassDef):
            return None
        deprecated = _keyword_of_class(node, "deprecated")
        if isinstance(deprecated, ast.Dict):
            for key, value in zip(deprecated.keys, deprecated.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == name:
                    use, *breaks = (
                        value.elts if isinstance(value, ast.Tuple) else [value]
                    )
                    until = f" (breaks in {_text_of(breaks[0])})" if breaks else ""
                    return f"deprecated enum member: use {_text_of(use)}{until}"
        return None

    # ---- expressions

    def expression(
        self, module: str, node: ast.expr, *, typing: bool = False
    ) -> Definition | None:
        """Resolve a Name/Attribute/Subscript expression in a module."""
        node = _callee(node) if isinstance(node, ast.Subscript) else node
        if isinstance(node, ast.Name):
            return self.follow(self.lookup(module, node.id, typing=typing))
        if isinstance(node, ast.Attribute):
            owner = self.expression(module, node.value, typing=typing)
            return (
                None if owner is None else self.follow(self.attribute(owner, node.attr))
            )
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                parsed = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
            return self.expression(module, parsed, typing=typing)
        return None

    def follow(self, definition: Definition | None) -> Definition | None:
        """Through aliases: ``Platform = EntityPlatforms``, ``type A = B[C]``."""
        for _ in range(5):
            if definition is None or definition.is_module or definition.is_class:
                return definition
            node = definition.node
            value = getattr(node, "value", None)
            if isinstance(node, ast.AnnAssign) or not isinstance(
                value, (ast.Name, ast.Attribute, ast.Subscript)
            ):
                return definition
            target = self.expression(definition.module, value, typing=True)
            if target is None or not (target.is_class or target.is_module):
                return definition
            definition = target
        return definition

    def attribute(self, owner: Definition, name: str) -> Definition | None:
        """``owner.name`` for a module or a class."""
        if owner.is_module:
            return self.lookup(owner.module, name)
        if owner.is_class:
            return self.member(owner, name)
        return None

    def value_type(self, definition: Definition) -> Definition | None:
        """The class of a member's value, from its annotation (or a type alias)."""
        node = definition.node
        annotation: ast.expr | None = None
        if isinstance(node, ast.AnnAssign):
            annotation = node.annotation
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            _text_of(decorator).endswith("property")
            for decorator in node.decorator_list
        ):
            annotation = node.returns
        if annotation is None:
            return None
        return self.annotation_class(definition.module, annotation)

    def annotation_class(self, module: str, annotation: ast.expr) -> Definition | None:
        """The class an annotation names (``X | None`` gives X; aliases followed)."""
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(annotation, ast.BinOp):
            for side in (annotation.left, annotation.right):
                if not (isinstance(side, ast.Constant) and side.value is None):
                    return self.annotation_class(module, side)
            return None
        found = self.expression(module, annotation, typing=True)
        return found if found is not None and found.is_class else None


def _walk_own(function: ast.AST) -> Iterator[ast.AST]:
    """Nodes of a function body, not entering nested functions and classes."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
        ):
            stack.extend(ast.iter_child_nodes(node))


def _constructors(
    node: ast.ClassDef,
) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for statement in node.body:
        if (
            isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))
            and statement.name in CONSTRUCTORS
        ):
            yield statement


def _decorator_text(helper: str, decorator: ast.expr) -> str:
    if not isinstance(decorator, ast.Call):
        return f"@{helper}"
    use = f": use {_text_of(decorator.args[0])}" if decorator.args else ""
    return f"@{helper}{use}{_breaks(decorator)}"


def _keyword_of_class(node: ast.ClassDef, name: str) -> ast.expr | None:
    return next((kw.value for kw in node.keywords if kw.arg == name), None)


def _replacement(helper: str, call: ast.Call) -> str:
    if helper in {"DeprecatedEntityProperty", "DeprecatedEntityAttr"}:
        target = call.args[0] if call.args else _keyword(call, "replacement")
    elif helper == "DeprecatedConstantEnum":  # (enum member, breaks_in_ha_version)
        target = call.args[0] if call.args else _keyword(call, "enum")
    else:  # DeprecatedConstant(value, replacement, breaks_in_ha_version)
        target = call.args[1] if len(call.args) > 1 else _keyword(call, "replacement")
    text = _text_of(target)
    return f": use {text}" if text and text != "None" else ""


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True, order=True)
class Finding:
    """One line of the report."""

    level: str  # "error", "warning" or "note"
    where: str
    message: str

    def __str__(self) -> str:
        """As printed."""
        return f"{self.where}: {self.level}: {self.message}"


@dataclass
class Release:
    """What is checked against."""

    version: str
    tree: Tree
    # Names the release's ``voluptuous`` alias provides (None: real voluptuous).
    voluptuous: frozenset[str] | None = None
    voluptuous_source: str = ""


class Checker:
    """Checks our package's use of Home Assistant against a release."""

    def __init__(self, release: Release, *, package: str = PACKAGE) -> None:
        """Check ``package`` (added to the release's tree) against the release."""
        self.release = release
        self.resolver = Resolver(release.tree)
        self.package = package
        self.findings: set[Finding] = set()
        self.checked: set[str] = set()

    # ---- reporting

    def _add(self, level: str, where: str, message: str) -> None:
        self.findings.add(Finding(level, where, message))

    def _judge(self, where: str, dotted: str, definition: Definition | None) -> bool:
        """Report a missing or deprecated name; True when it exists."""
        self.checked.add(dotted)
        version = self.release.version
        if definition is None:
            self._add("error", where, f"{dotted} does not exist in {version}")
            return False
        if reason := self.resolver.deprecation(definition):
            self._add("error", where, f"{dotted} is deprecated in {version}: {reason}")
        for message in self.resolver.conditional_reports(definition):
            self._add("note", where, f"{dotted} reports under a condition: {message}")
        return True

    # ---- the package

    def run(self) -> list[Finding]:
        """Check every module of the package."""
        for module in self.release.tree.modules(self.package):
            self.check_module(module)
        return sorted(self.findings, key=_position)

    def _where(self, module: str, node: ast.AST) -> str:
        path = module.replace(".", "/")
        info = self.release.tree.info(module)
        if info is not None and info.is_package:
            path += "/__init__"
        return f"{path}.py:{getattr(node, 'lineno', 0)}"

    def check_module(self, module: str) -> None:
        """Check one of our modules."""
        info = self.release.tree.info(module)
        if info is None or info.tree is None:
            return
        names: dict[str, tuple[str, Definition]] = {}
        for node in ast.walk(info.tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self._check_import(module, info, node, names)
        for node in _outer_attributes(info.tree):
            self._check_chain(module, node, names)
        self._check_voluptuous(module, info.tree)
        self._check_calls(module, info.tree, names)
        for node in ast.walk(info.tree):
            if isinstance(node, ast.ClassDef):
                self._check_class(module, node)
        self._check_functions(module, info.tree)

    def _check_import(
        self,
        module: str,
        info: ModuleInfo,
        node: ast.Import | ast.ImportFrom,
        names: dict[str, tuple[str, Definition]],
    ) -> None:
        """Check an import; bind its names as written and as resolved."""
        where = self._where(module, node)
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not alias.name.startswith("homeassistant"):
                    continue
                exists = self.release.tree.exists(alias.name)
                self.checked.add(alias.name)
                if not exists:
                    self._add(
                        "error",
                        where,
                        f"{alias.name} does not exist in {self.release.version}",
                    )
                elif alias.asname:
                    names[alias.asname] = (
                        alias.name,
                        Definition(alias.name, alias.name),
                    )
            return
        source = absolute_module(module, is_package=info.is_package, node=node)
        if source.split(".")[0] != "homeassistant":
            return
        for alias in node.names:
            definition = self.resolver.lookup(source, alias.name)
            if self._judge(where, f"{source}.{alias.name}", definition):
                assert definition is not None  # noqa: S101 - _judge said so
                names[alias.asname or alias.name] = (
                    f"{source}.{alias.name}",
                    self.resolver.follow(definition) or definition,
                )

    def _check_chain(
        self, module: str, node: ast.Attribute, names: dict[str, tuple[str, Definition]]
    ) -> None:
        """``cv.string``, ``ir.IssueSeverity.ERROR``, ``Platform.BUTTON``."""
        chain: list[str] = []
        current: ast.expr = node
        while isinstance(current, ast.Attribute):
            chain.insert(0, current.attr)
            current = current.value
        if not isinstance(current, ast.Name) or current.id not in names:
            return
        dotted, definition = names[current.id]
        where = self._where(module, node)
        for attr in chain:
            dotted = f"{dotted}.{attr}"
            found = self._step(where, dotted, definition, attr)
            if found is None or not (found.is_module or found.is_class):
                return
            definition = found

    def _step(
        self, where: str, dotted: str, owner: Definition, attr: str
    ) -> Definition | None:
        """Judge ``owner.attr``; what it resolves to, if worth following."""
        if owner.is_module:
            found = self.resolver.lookup(owner.module, attr)
            return (
                self.resolver.follow(found)
                if self._judge(where, dotted, found)
                else None
            )
        if not owner.is_class:
            return None
        if reason := self.resolver.enum_deprecation(owner, attr):
            version = self.release.version
            self._add("error", where, f"{dotted} is deprecated in {version}: {reason}")
        found = self.resolver.member(owner, attr)
        if found is None:
            # Only an enum's members are a closed set worth calling missing.
            if self.resolver.is_enum(owner) and not attr.startswith("_"):
                self._judge(where, dotted, None)
            return None
        self._judge(where, dotted, found)
        return self.resolver.follow(found)

    def _check_voluptuous(self, module: str, tree: ast.Module) -> None:
        """``vol.*`` names, where the release's voluptuous is another package."""
        provided = self.release.voluptuous
        imports = [
            (node, alias.asname or alias.name)
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
            if alias.name == "voluptuous"
        ]
        if not imports or provided is None:
            return
        aliases = {alias for _, alias in imports}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
            ):
                self.checked.add(f"voluptuous.{node.attr}")
                if node.attr not in provided:
                    self._add(
                        "error",
                        self._where(module, node),
                        f"voluptuous.{node.attr} does not exist in "
                        f"{self.release.voluptuous_source}, which is voluptuous in "
                        f"{self.release.version}",
                    )
        self._add(
            "warning",
            self._where(module, imports[0][0]),
            f"imports voluptuous: {self.release.version} validates with "
            f"{self.release.voluptuous_source} and only aliases voluptuous to it; "
            "keep voluptuous while releases without it are supported",
        )

    def _check_calls(
        self, module: str, tree: ast.Module, names: dict[str, tuple[str, Definition]]
    ) -> None:
        """Calls that pass a deprecated argument."""
        device_info_deprecated = self._device_info_deprecated_parameters()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            definition = self._called(node.func, names)
            if definition is None:
                continue
            where = self._where(module, node)
            if self.resolver.hass_argument_deprecated(definition) and (
                any(_text_of(arg).endswith("hass") for arg in node.args[:1])
                or _keyword(node, "hass") is not None
            ):
                self._add(
                    "error",
                    where,
                    f"{definition.qualname}: passing hass is deprecated in "
                    f"{self.release.version}",
                )
            if definition.qualname == "DeviceInfo":
                for keyword in node.keywords:
                    if keyword.arg in device_info_deprecated:
                        self._add(
                            "error",
                            where,
                            f"DeviceInfo({keyword.arg}=...) is deprecated in "
                            f"{self.release.version}: "
                            f"{device_info_deprecated[keyword.arg]}",
                        )

    def _called(
        self, func: ast.expr, names: dict[str, tuple[str, Definition]]
    ) -> Definition | None:
        """What ``name(...)`` or ``module.name(...)`` calls, if it is ours to check."""
        if isinstance(func, ast.Name) and func.id in names:
            return names[func.id][1]
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in names
            and names[func.value.id][1].is_module
        ):
            return self.resolver.lookup(names[func.value.id][1].module, func.attr)
        return None

    def _device_info_deprecated_parameters(self) -> dict[str, str]:
        info = self.release.tree.info("homeassistant.helpers.device_registry")
        node = info.bindings.get("_DEPRECATED_DEVICE_INFO_PARAMETERS") if info else None
        value = getattr(node, "value", None)
        if not isinstance(value, ast.Dict):
            return {}
        found = {}
        for key, item in zip(value.keys, value.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(item, ast.Tuple):
                removed, replacement = (_text_of(e) for e in item.elts[:2])
                use = f"use {replacement}" if replacement != "None" else "ignored"
                found[str(key.value)] = f"{use}, removed in {removed}"
        return found

    def _check_class(self, module: str, node: ast.ClassDef) -> None:
        """Members our class uses or overrides on its Home Assistant bases."""
        definition = self.resolver.lookup(module, node.name)
        if definition is None or definition.node is not node:
            return  # a nested class: not reachable by name
        ancestors = self.resolver.mro(definition)[1:]
        if not any(not self._ours(base) for base in ancestors):
            return
        used: dict[str, ast.AST] = {}
        for child in ast.walk(node):
            if (
                isinstance(child, ast.Attribute)
                and isinstance(child.value, ast.Name)
                and child.value.id == "self"
            ):
                used.setdefault(child.attr, child)
        for name, where_node in sorted(used.items()):
            self._check_member(module, definition, name, where_node, inherited=False)
        for statement in node.body:
            names: list[str] = []
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = [statement.name]
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
                targets = (
                    statement.targets
                    if isinstance(statement, ast.Assign)
                    else [statement.target]
                )
                names = [n for t in targets for n in _target_names(t)]
            for name in names:
                self._check_member(module, definition, name, statement, inherited=True)

    def _ours(self, definition: Definition) -> bool:
        return definition.module == self.package or definition.module.startswith(
            f"{self.package}."
        )

    def _check_member(
        self,
        module: str,
        definition: Definition,
        name: str,
        node: ast.AST,
        *,
        inherited: bool,
    ) -> None:
        """``self.name`` (or an override of ``name``) against the first definer."""
        if name.startswith("__") and name.endswith("__"):
            return
        for owner in self.resolver.mro(definition)[1 if inherited else 0 :]:
            found = self.resolver.own_member(owner, name)
            if found is None:
                continue
            if self._ours(owner):
                return
            reason = self.resolver.deprecation(found)
            if reason:
                what = "overrides" if inherited else "uses"
                self._add(
                    "error",
                    self._where(module, node),
                    f"{what} {owner.module}.{found.qualname}, deprecated in "
                    f"{self.release.version}: {reason}",
                )
            dotted = f"{owner.module}.{found.qualname}"
            for message in self.resolver.conditional_reports(found):
                self._add(
                    "note",
                    self._where(module, node),
                    f"{dotted} reports under a condition: {message}",
                )
            self.checked.add(dotted)
            return

    def _check_functions(self, module: str, tree: ast.Module) -> None:
        """Members reached through annotated parameters (``entry: ConfigEntry``)."""
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            typed: dict[str, Definition] = {}
            for argument in [
                *function.args.posonlyargs,
                *function.args.args,
                *function.args.kwonlyargs,
            ]:
                if argument.annotation is not None:
                    found = self.resolver.annotation_class(module, argument.annotation)
                    if found is not None and not self._ours(found):
                        typed[argument.arg] = found
            if not typed:
                continue
            for node in _outer_attributes(function):
                self._check_typed_chain(module, node, typed)

    def _check_typed_chain(
        self, module: str, node: ast.Attribute, typed: dict[str, Definition]
    ) -> None:
        chain: list[ast.Attribute] = []
        current: ast.expr = node
        while isinstance(current, ast.Attribute):
            chain.insert(0, current)
            current = current.value
        if not isinstance(current, ast.Name) or current.id not in typed:
            return
        owner: Definition | None = typed[current.id]
        for link in chain:
            if owner is None or not owner.is_class or self._ours(owner):
                return
            found = self.resolver.member(owner, link.attr)
            if found is None:
                return
            dotted = f"{found.module}.{found.qualname}"
            self.checked.add(dotted)
            where = self._where(module, link)
            if reason := self.resolver.deprecation(found):
                self._add(
                    "error",
                    where,
                    f"{_text_of(link)}: {dotted} is deprecated in "
                    f"{self.release.version}: {reason}",
                )
            for message in self.resolver.conditional_reports(found):
                self._add(
                    "note", where, f"{dotted} reports under a condition: {message}"
                )
            owner = self.resolver.value_type(found)


def _position(finding: Finding) -> tuple[str, int, str, str]:
    path, _, line = finding.where.rpartition(":")
    return (path, int(line) if line.isdigit() else 0, finding.level, finding.message)


def _outer_attributes(tree: ast.AST) -> Iterator[ast.Attribute]:
    """Attribute chains, outermost only (``a.b.c`` once, not also ``a.b``)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Attribute):
            yield node
            inner: ast.expr = node
            while isinstance(inner, ast.Attribute):
                inner = inner.value
            stack.append(inner)
        else:
            stack.extend(ast.iter_child_nodes(node))


# --------------------------------------------------------------------------- reports


def release_warnings(
    release: Release, tree: Tree, *, package: str = PACKAGE
) -> list[Finding]:
    """What the release reports that applies to our package (warnings only)."""
    findings: list[Finding] = []
    entries = tree.text("homeassistant.config_entries") or ""
    init_module = package
    init = tree.info(init_module)
    path = f"{package.replace('.', '/')}/__init__.py"
    if (
        init is not None
        and init.tree is not None
        and "returns a boolean from" in entries
    ):
        for name in SETUP_FUNCTIONS:
            function = init.bindings.get(name)
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                _text_of(function.returns) == "bool"
            ):
                findings.append(
                    Finding(
                        "warning",
                        f"{path}:{function.lineno}",
                        f"{name} returns a bool; {release.version} expects None "
                        "(and reports a bool for core integrations); return None "
                        "once every supported release accepts it",
                    )
                )
    reload_report = "has an update listener and should use it for scheduling a reload"
    sources = {module: tree.text(module) or "" for module in tree.modules(package)}
    if reload_report in entries:
        listener = [m for m, text in sources.items() if "add_update_listener" in text]
        reloads = [
            m for m, text in sources.items() if "update_reload_and_abort" in text
        ]
        if listener and reloads:
            findings.append(
                Finding(
                    "warning",
                    f"{reloads[0].replace('.', '/')}.py:1",
                    f"update listener with async_update_reload_and_abort: "
                    f"{release.version} reports it ({reload_report})",
                )
            )
    if "runtime_data" in entries:
        for module, text in sources.items():
            for number, line in enumerate(text.splitlines(), 1):
                if re.search(r"hass\.data\[\s*DOMAIN", line):
                    findings.append(
                        Finding(
                            "warning",
                            f"{module.replace('.', '/')}.py:{number}",
                            "hass.data[DOMAIN]: keep per-entry state in "
                            "ConfigEntry.runtime_data",
                        )
                    )
    return findings


_RULE = re.compile(r"^  ([a-z0-9-]+):", re.MULTILINE)


def quality_scale_rules(tree: Tree) -> tuple[frozenset[str], frozenset[str]]:
    """The rules in the release's core quality_scale.yaml files.

    The wheel does not ship hassfest's rule list, so the rules are read from the
    integrations: (rules at least half of them list, rules any of them lists).
    """
    counts: dict[str, int] = {}
    files = 0
    for text in tree.data_files("quality_scale.yaml"):
        files += 1
        for rule in set(_RULE.findall(text)):
            counts[rule] = counts.get(rule, 0) + 1
    common = frozenset(rule for rule, count in counts.items() if 2 * count >= files)
    return common, frozenset(counts)


def quality_scale_warnings(release: Release, ours: str, where: str) -> list[Finding]:
    """Rules of the release that our quality_scale.yaml lacks, or does not know."""
    known, anywhere = quality_scale_rules(release.tree)
    if not known:
        return []
    listed = set(_RULE.findall(ours))
    findings = [
        Finding(
            "warning",
            where,
            f"quality_scale.yaml lacks the rule {rule} (in {release.version})",
        )
        for rule in sorted(known - listed)
    ]
    findings.extend(
        Finding(
            "warning",
            where,
            f"quality_scale.yaml lists {rule}, unknown to {release.version}",
        )
        for rule in sorted(listed - anywhere)
    )
    return findings


# --------------------------------------------------------------------------- download


def _final_version(version: str) -> tuple[int, ...] | None:
    if not re.fullmatch(r"\d+(\.\d+)*", version):
        return None
    return tuple(int(part) for part in version.split("."))


def pick_wheel(
    metadata: dict[str, object], version: str | None = None
) -> tuple[str, dict[str, object]]:
    """The newest final release with a wheel (or ``version``), and that wheel."""
    releases = metadata.get("releases")
    if not isinstance(releases, dict):
        msg = "no releases in the PyPI answer"
        raise DownloadError(msg)
    if version is not None:
        candidates = [version] if version in releases else []
    else:
        candidates = sorted(
            (v for v in releases if _final_version(v) is not None),
            key=lambda v: _final_version(v) or (),
            reverse=True,
        )
    for candidate in candidates:
        for file in releases[candidate]:
            if (
                file.get("packagetype") == "bdist_wheel"
                and str(file.get("filename", "")).endswith(".whl")
                and not file.get("yanked")
            ):
                return candidate, file
    msg = f"no wheel for {version or 'any final release'}"
    raise DownloadError(msg)


def _get(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "excelsense-compat"})  # noqa: S310 - https URLs we build
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return bytes(response.read())
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        msg = f"{url}: {err}"
        raise DownloadError(msg) from err


def download(project: str, version: str | None, cache: Path) -> tuple[str, Path]:
    """Download (or reuse from ``cache``) a project's wheel; (version, path)."""
    index = PYPI_JSON.format(project=project)
    try:
        metadata = json.loads(_get(index))
    except json.JSONDecodeError as err:
        msg = f"{index}: not JSON ({err})"
        raise DownloadError(msg) from err
    chosen, file = pick_wheel(metadata, version)
    digests = file.get("digests")
    sha256 = digests.get("sha256") if isinstance(digests, dict) else None
    path = cache / str(file["filename"])
    if path.exists() and (sha256 is None or _sha256(path) == sha256):
        return chosen, path
    data = _get(urllib.parse.urljoin(index, str(file["url"])))
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        msg = f"{file['filename']}: checksum mismatch"
        raise DownloadError(msg)
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=cache, delete=False) as handle:
        handle.write(data)
    Path(handle.name).replace(path)
    return chosen, path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _requirement(wheel: Path, project: str) -> str | None:
    """The version a wheel pins ``project`` to (``Requires-Dist: project==X``)."""
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.endswith(".dist-info/METADATA"):
                text = archive.read(member).decode("utf-8")
                match = re.search(
                    rf"^Requires-Dist: {re.escape(project)}==([\w.]+)",
                    text,
                    re.MULTILINE | re.IGNORECASE,
                )
                return match.group(1) if match else None
    return None


_SHIM_PROVIDER = re.compile(
    r"^from (\w+)\.compat import install_as_voluptuous", re.MULTILINE
)


def voluptuous_provider(tree: Tree) -> str | None:
    """The package the release aliases voluptuous to, if it does."""
    match = _SHIM_PROVIDER.search(tree.text("homeassistant") or "")
    return match.group(1) if match else None


def voluptuous_surface(tree: Tree, provider: str) -> frozenset[str] | None:
    """The names ``voluptuous`` has when it is ``provider``'s shim.

    The shim re-exports a tuple of names listed in a surface module
    (``reexport(globals(), _surface.TOP)``); read that tuple.
    """
    shim = f"{provider}._vol_shim"
    info = tree.info(shim)
    if info is None or info.tree is None:
        return None
    names: set[str] = {name for name in info.bindings if not name.startswith("_")}
    for node in ast.walk(info.tree):
        if isinstance(node, ast.Call) and len(node.args) == 2:  # noqa: PLR2004
            listed = node.args[1]
            if isinstance(listed, ast.Attribute) and isinstance(listed.value, ast.Name):
                source = tree.info(f"{shim}.{listed.value.id}")
                value = (
                    getattr(source.bindings.get(listed.attr), "value", None)
                    if source
                    else None
                )
                if value is not None:
                    names.update(ast.literal_eval(value))
    return frozenset(names)


def load_release(
    wheel: Path, version: str, shim_wheel: Path | None, shim_version: str = ""
) -> Release:
    """A release from its wheel (and the wheel of its voluptuous alias)."""
    tree = Tree()
    try:
        tree.add_zip(wheel, "homeassistant")
    except (zipfile.BadZipFile, OSError) as err:
        msg = f"{wheel}: {err}"
        raise DownloadError(msg) from err
    release = Release(version=version, tree=tree)
    provider = voluptuous_provider(tree)
    if provider is not None and shim_wheel is not None:
        tree.add_zip(shim_wheel, provider)
        release.voluptuous = voluptuous_surface(tree, provider)
        release.voluptuous_source = f"{provider} {shim_version}".strip()
    elif provider is not None:
        release.voluptuous_source = provider
    return release


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    """Run the check; the exit status."""
    parser = argparse.ArgumentParser(
        prog="scripts/compat",
        description=(
            "Check the integration's Home Assistant imports against the newest "
            "homeassistant release on PyPI (downloaded, not installed)."
        ),
    )
    parser.add_argument("--version", help="check this release instead of the newest")
    parser.add_argument("--wheel", type=Path, help="check a local homeassistant wheel")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(os.environ.get("COMPAT_CACHE", CACHE)),
        help="where wheels are kept (default: artifacts/compat)",
    )
    parser.add_argument(
        "--notes", action="store_true", help="also print conditional reports (notes)"
    )
    args = parser.parse_args(argv)

    try:
        if args.wheel is not None:
            version = args.version or args.wheel.name.split("-")[1]
            wheel = args.wheel
        else:
            version, wheel = download("homeassistant", args.version, args.cache)
        release = load_release(wheel, version, None)
        provider = voluptuous_provider(release.tree)
        if provider is not None and args.wheel is None:
            pinned = _requirement(wheel, provider)
            shim_version, shim = download(provider, pinned, args.cache)
            release.tree.close()
            release = load_release(wheel, version, shim, shim_version)
    except DownloadError as err:
        print(f"scripts/compat: could not get the release: {err}", file=sys.stderr)
        return EXIT_DOWNLOAD

    integration, package = INTEGRATION, PACKAGE
    release.tree.add_folder(integration, package)
    print(f"Home Assistant {version} ({wheel.name})", end="")
    print(
        f", voluptuous from {release.voluptuous_source}" if release.voluptuous else ""
    )
    checker = Checker(release, package=package)
    findings = checker.run()
    findings += release_warnings(release, release.tree, package=package)
    scale = integration / "quality_scale.yaml"
    if scale.exists():
        findings += quality_scale_warnings(
            release,
            scale.read_text(encoding="utf-8"),
            f"{package.replace('.', '/')}/quality_scale.yaml:1",
        )
    release.tree.close()
    findings.sort(key=_position)

    errors = [f for f in findings if f.level == "error"]
    warnings = [f for f in findings if f.level == "warning"]
    notes = [f for f in findings if f.level == "note"]
    for finding in [*errors, *warnings, *(notes if args.notes else [])]:
        print(finding)
    hidden = "" if args.notes or not notes else " (--notes shows them)"
    print(
        f"{len(checker.checked)} names checked against Home Assistant {version}: "
        f"{len(errors)} missing or deprecated, {len(warnings)} warnings, "
        f"{len(notes)} notes{hidden}"
    )
    return EXIT_PROBLEM if errors else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
