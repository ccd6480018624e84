"""scripts/compat: parsing, resolution and deprecation detection on small sources.

No network: releases are built from source text (or a zip written here), and the
download step is fed answers shaped like PyPI's JSON API.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
from pathlib import Path
import sys
from textwrap import dedent
from typing import TYPE_CHECKING, Any
import zipfile

import pytest

if TYPE_CHECKING:
    from types import ModuleType

_PATH = Path(__file__).resolve().parent.parent / "scripts" / "_compat.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_compat", _PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["_compat"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


compat = _load()

# A small Home Assistant: deprecation helpers and a few modules using them.
DEPRECATION = """
from typing import NamedTuple
from warnings import deprecated as mark_deprecated

class DeprecatedConstant(NamedTuple):
    value: object
    replacement: str | None
    breaks_in_ha_version: str | None

class DeprecatedConstantEnum(NamedTuple):
    enum: object
    breaks_in_ha_version: str | None

class DeprecatedAlias(NamedTuple):
    value: object
    replacement: str
    breaks_in_ha_version: str | None

def deprecated_class(replacement, *, breaks_in_ha_version=None): ...
def deprecated_function(replacement, *, breaks_in_ha_version=None): ...
def deprecated_hass_argument(breaks_in_ha_version=None): ...
def check_if_deprecated_constant(name, module_globals): ...
class EnumWithDeprecatedMembers(type): ...
"""

FRAME = """
def report_usage(what, *, breaks_in_ha_version=None, custom_integration_behavior=None):
    ...
"""

CONST = """
from enum import StrEnum
from functools import partial
from .helpers.deprecation import (
    DeprecatedConstant,
    DeprecatedConstantEnum,
    check_if_deprecated_constant,
)
from .generated.platforms import EntityPlatforms

Platform = EntityPlatforms
CONF_HOST: Final = "host"

class UnitOfRatio(StrEnum):
    PERCENT = "%"

_DEPRECATED_CONF_OLD = DeprecatedConstant("old", "CONF_NEW", "2027.1")
_DEPRECATED_PERCENTAGE = DeprecatedConstantEnum(UnitOfRatio.PERCENT, "2027.2")
__getattr__ = partial(check_if_deprecated_constant, module_globals=globals())
"""

PLATFORMS = """
from enum import StrEnum

class EntityPlatforms(StrEnum):
    BUTTON = "button"
    SENSOR = "sensor"
"""

CORE = """
from typing import TYPE_CHECKING
from .helpers import frame

if TYPE_CHECKING:
    from .config_entries import ConfigEntries
    from .helpers.typing import OnlyForTypes

type CALLBACK_TYPE = Callable[[], None]

class HomeAssistant:
    config_entries: ConfigEntries = None

    def async_add_job(self, target):
        frame.report_usage("calls async_add_job", breaks_in_ha_version="2025.4")

def callback[_T](func: _T) -> _T:
    return func
"""

CONFIG_ENTRIES = """
from .data_entry_flow import FlowHandler
from .helpers.frame import report_usage

class ConfigEntries:
    async def async_forward_entry_setups(self, entry, platforms) -> None:
        if not platforms:
            report_usage("forwards no platforms")

    async def async_forward_entry_setup(self, entry, platform) -> bool:
        report_usage("calls async_forward_entry_setup", breaks_in_ha_version="2025.6")
        return True

class ConfigEntry[_DataT = Any]:
    runtime_data: _DataT

    def async_on_unload(self, func) -> None:
        ...

class ConfigFlow(FlowHandler):
    def _set_confirm_only(self) -> None:
        report_usage("calls _set_confirm_only")

class OptionsFlowWithConfigEntry(FlowHandler):
    def __init__(self, config_entry) -> None:
        report_usage("inherits from OptionsFlowWithConfigEntry")

def _async_process_entry_method_result(domain, method, result):
    if isinstance(result, bool):
        report_usage(f"returns a boolean from {method}, which should return None")
"""

DATA_ENTRY_FLOW = """
from .helpers.deprecation import deprecated_function
from .helpers.frame import report_usage

class FlowHandler:
    @property
    @deprecated_function("a section", breaks_in_ha_version="2027.6")
    def show_advanced_options(self) -> bool:
        return True

    def async_show_form(self, **kwargs):
        if "last_step" in kwargs:
            report_usage("passes last_step")
        return kwargs
"""

HELPERS_INIT = """
from .entity_util import *
from .exported import *
"""

ENTITY_UTIL = """
__all__ = ["listed"]

def listed(): ...
def not_listed(): ...
"""

EXPORTED = """
def public(): ...
def _private(): ...
"""

HELPERS_OLD = """
from .deprecation import (
    DeprecatedAlias,
    deprecated_class,
    deprecated_function,
    deprecated_hass_argument,
)
import warnings

OldName = DeprecatedAlias(object, "NewName", "2027.3")

@deprecated_class("NewSelector", breaks_in_ha_version="2026.12.0")
class OldSelector: ...

@deprecated_function("new_helper")
def old_helper(): ...

def warns_always():
    warnings.warn("use something else", DeprecationWarning, stacklevel=2)

def warns_sometimes(value=None):
    if value is not None:
        warnings.warn("value is deprecated", DeprecationWarning, stacklevel=2)

@deprecated_hass_argument(breaks_in_ha_version="2027.1")
def async_get_thing(): ...

def fine(): ...
"""

MEDIA = """
from enum import StrEnum
from homeassistant.helpers.deprecation import EnumWithDeprecatedMembers

class MediaPlayerState(
    StrEnum,
    metaclass=EnumWithDeprecatedMembers,
    deprecated={"STANDBY": ("MediaPlayerState.OFF", "2026.8.0")},
):
    OFF = "off"
    STANDBY = "standby"
"""

DEVICE_REGISTRY = """
_DEPRECATED_DEVICE_INFO_PARAMETERS: dict[str, tuple[str, str | None]] = {
    "default_name": ("2027.9.0", "name"),
    "created_at": ("2027.9.0", None),
}

class DeviceInfo:
    name: str = None
"""

CLIMATE = """
from homeassistant.helpers.deprecation import DeprecatedEntityAttr

class ClimateEntity:
    _attr_temperature_unit: Final = DeprecatedEntityAttr[str]("_attr_unit")
    _attr_hvac_mode = None
"""

HA: dict[str, tuple[str, bool]] = {
    "homeassistant": ("", True),
    "homeassistant.const": (CONST, False),
    "homeassistant.generated": ("", True),
    "homeassistant.generated.platforms": (PLATFORMS, False),
    "homeassistant.core": (CORE, False),
    "homeassistant.config_entries": (CONFIG_ENTRIES, False),
    "homeassistant.data_entry_flow": (DATA_ENTRY_FLOW, False),
    "homeassistant.helpers": (HELPERS_INIT, True),
    "homeassistant.helpers.entity_util": (ENTITY_UTIL, False),
    "homeassistant.helpers.exported": (EXPORTED, False),
    "homeassistant.helpers.deprecation": (DEPRECATION, False),
    "homeassistant.helpers.frame": (FRAME, False),
    "homeassistant.helpers.old": (HELPERS_OLD, False),
    "homeassistant.helpers.typing": ("OnlyForTypes = dict", False),
    "homeassistant.helpers.device_registry": (DEVICE_REGISTRY, False),
    "homeassistant.components": ("", True),
    "homeassistant.components.media_player": (MEDIA, True),
    "homeassistant.components.climate": (CLIMATE, True),
}


def _release(**extra: str) -> Any:  # noqa: ANN401 - the script's Release
    tree = compat.Tree()
    for module, (text, is_package) in HA.items():
        tree.add_text(module, dedent(text), is_package=is_package)
    for module, text in extra.items():
        tree.add_text(module.replace("__", "."), dedent(text), is_package=True)
    return compat.Release(version="2099.1.0", tree=tree)


def _check(source: str, **modules: str) -> list[str]:
    """Findings for a one-module package ``pkg``, as printed."""
    release = _release(pkg=source, **modules)
    return [str(finding) for finding in compat.Checker(release, package="pkg").run()]


def _errors(source: str) -> list[str]:
    return [line for line in _check(source) if ": error: " in line]


# ---------------------------------------------------------------- parsing


def test_downgrade_rewrites_newer_syntax() -> None:
    """Type statements, type parameters and bare except tuples become old syntax."""
    source = dedent(
        """
        type Alias[T: Mapping[str, Any]] = list[T]
        type Plain = int
        def first[_T: Mapping[str, Any]](items: list[_T]) -> _T:
            try:
                return items[0]
            except KeyError, IndexError:
                raise
            except (TypeError, ValueError) as err:
                raise err
        class Box[T](Generic[T]):
            typed = 1
        async def later[**P](): ...
        """
    )
    rewritten = compat.downgrade(source)
    assert "Alias = list[T]" in rewritten
    assert "Plain = int" in rewritten
    assert "def first(items" in rewritten
    assert "except (KeyError, IndexError):" in rewritten
    assert "except (TypeError, ValueError) as err:" in rewritten
    assert "class Box(Generic[T]):" in rewritten
    assert "async def later():" in rewritten
    assert "typed = 1" in rewritten  # a name starting with "type" is left alone
    tree = ast.parse(rewritten)
    names = compat.module_info("m", source, is_package=False).bindings
    assert {"Alias", "Plain", "first", "Box", "later"} <= set(names)
    assert tree is not None


def test_unparseable_module_keeps_its_top_level_names() -> None:
    """Source no rewrite fixes still yields its definitions, without details."""
    info = compat.module_info(
        "m", "def good(): ...\nBROKEN = (\nclass Later: ...\n", is_package=False
    )
    assert info.tree is None
    assert {"good", "BROKEN", "Later"} <= set(info.bindings)


def test_relative_imports_resolve_from_packages_and_modules() -> None:
    """``from .x``/``from ..x`` are relative to the package of the module."""
    node = ast.parse("from ..helpers import frame").body[0]
    assert isinstance(node, ast.ImportFrom)
    assert (
        compat.absolute_module(
            "homeassistant.components.camera", is_package=True, node=node
        )
        == "homeassistant.components.helpers"
    )
    assert (
        compat.absolute_module(
            "homeassistant.helpers.entity", is_package=False, node=node
        )
        == "homeassistant.helpers"
    )


# ---------------------------------------------------------------- names


def test_existing_names_pass() -> None:
    """Names defined, re-exported, aliased or submodules: no finding."""
    assert (
        _errors(
            """
            from homeassistant.const import CONF_HOST, Platform
            from homeassistant.core import HomeAssistant, callback, CALLBACK_TYPE
            from homeassistant.helpers import listed, public, old as old_module
            from homeassistant import data_entry_flow
            import homeassistant.helpers.frame
            import homeassistant.helpers.frame as frame

            PLATFORMS = [Platform.BUTTON, Platform.SENSOR]
            fine = old_module.fine
            """
        )
        == []
    )


def test_missing_names_fail() -> None:
    """A missing name, module, enum member or module attribute is an error."""
    errors = _errors(
        """
        from homeassistant.const import CONF_GONE
        from homeassistant.helpers import not_listed, _private
        from homeassistant.helpers.typing import OnlyForTypes
        from homeassistant.core import OnlyForTypes as Typed
        from homeassistant.const import Platform
        from homeassistant.helpers import old
        import homeassistant.helpers.gone

        X = Platform.LIGHT
        Y = old.gone_helper
        """
    )
    missing = [
        (line.split(":")[1], line.split(" error: ")[1].removesuffix(" in 2099.1.0"))
        for line in errors
    ]
    assert missing == [
        ("2", "homeassistant.const.CONF_GONE does not exist"),
        ("3", "homeassistant.helpers._private does not exist"),
        ("3", "homeassistant.helpers.not_listed does not exist"),
        # Imported there only for type checkers: not there at run time.
        ("5", "homeassistant.core.OnlyForTypes does not exist"),
        ("8", "homeassistant.helpers.gone does not exist"),
        ("10", "homeassistant.const.Platform.LIGHT does not exist"),
        ("11", "homeassistant.helpers.old.gone_helper does not exist"),
    ]


# ---------------------------------------------------------------- deprecations


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "from homeassistant.const import CONF_OLD",
            (
                "homeassistant.const.CONF_OLD is deprecated in 2099.1.0: "
                "DeprecatedConstant: use CONF_NEW (breaks in 2027.1)"
            ),
        ),
        (
            "from homeassistant.const import PERCENTAGE",
            (
                "homeassistant.const.PERCENTAGE is deprecated in 2099.1.0: "
                "DeprecatedConstantEnum: use UnitOfRatio.PERCENT (breaks in 2027.2)"
            ),
        ),
        (
            "from homeassistant.helpers.old import OldName",
            (
                "homeassistant.helpers.old.OldName is deprecated in 2099.1.0: "
                "DeprecatedAlias: use NewName (breaks in 2027.3)"
            ),
        ),
        (
            "from homeassistant.helpers.old import OldSelector",
            (
                "homeassistant.helpers.old.OldSelector is deprecated in 2099.1.0: "
                "@deprecated_class: use NewSelector (breaks in 2026.12.0)"
            ),
        ),
        (
            "from homeassistant.helpers.old import old_helper",
            (
                "homeassistant.helpers.old.old_helper is deprecated in 2099.1.0: "
                "@deprecated_function: use new_helper"
            ),
        ),
        (
            "from homeassistant.helpers.old import warns_always",
            (
                "homeassistant.helpers.old.warns_always is deprecated in 2099.1.0: "
                "reports when called: use something else"
            ),
        ),
        (
            "from homeassistant.config_entries import OptionsFlowWithConfigEntry",
            (
                "homeassistant.config_entries.OptionsFlowWithConfigEntry is deprecated "
                "in 2099.1.0: reports when used: inherits from "
                "OptionsFlowWithConfigEntry"
            ),
        ),
        (
            (
                "from homeassistant.components.media_player import MediaPlayerState\n"
                "STATE = MediaPlayerState.STANDBY"
            ),
            (
                "homeassistant.components.media_player.MediaPlayerState.STANDBY is "
                "deprecated in 2099.1.0: deprecated enum member: use "
                "MediaPlayerState.OFF "
                "(breaks in 2026.8.0)"
            ),
        ),
    ],
)
def test_deprecated_names_fail(source: str, message: str) -> None:
    """Each deprecation helper makes the name an error."""
    assert [line.split(": error: ")[1] for line in _errors(source)] == [message]


def test_conditional_reports_are_notes() -> None:
    """A report under a condition may not apply to us: a note, not an error."""
    findings = _check("from homeassistant.helpers.old import warns_sometimes")
    assert findings == [
        (
            "pkg/__init__.py:1: note: homeassistant.helpers.old.warns_sometimes "
            "reports "
            "under a condition: value is deprecated"
        )
    ]


def test_members_used_and_overridden_on_base_classes() -> None:
    """``self.x`` and overrides are checked against the Home Assistant bases."""
    source = """
        from homeassistant.config_entries import ConfigFlow
        from homeassistant.components.climate import ClimateEntity

        class Base(ConfigFlow, domain="x"):
            def _set_confirm_only(self) -> None:
                '''Ours now: uses of self._set_confirm_only are ours.'''

        class Flow(Base):
            async def async_step_user(self, user_input=None):
                self._set_confirm_only()
                if self.show_advanced_options:
                    return self.async_show_form(step_id="user")
                return self.async_show_form(step_id="simple")

        class Thermostat(ClimateEntity):
            _attr_temperature_unit = "°C"
            _attr_hvac_mode = "heat"
        """
    errors = _errors(source)
    assert [line.split(": error: ")[1] for line in errors] == [
        (
            "overrides homeassistant.config_entries.ConfigFlow._set_confirm_only, "
            "deprecated in 2099.1.0: reports when called: calls _set_confirm_only"
        ),
        (
            "uses homeassistant.data_entry_flow.FlowHandler.show_advanced_options, "
            "deprecated in 2099.1.0: @deprecated_function: use a section (breaks in "
            "2027.6)"
        ),
        (
            "overrides "
            "homeassistant.components.climate.ClimateEntity._attr_temperature_unit"
            ", deprecated in 2099.1.0: DeprecatedEntityAttr: use _attr_unit"
        ),
    ]
    assert [line.split(":")[1] for line in errors] == ["6", "12", "17"]
    # A report under a condition in a base method we call: a note.
    assert (
        "pkg/__init__.py:14: note: homeassistant.data_entry_flow.FlowHandler."
        "async_show_form reports under a condition: passes last_step"
    ) in _check(source)


def test_members_through_annotated_parameters() -> None:
    """``hass.config_entries.x`` is found through the annotations."""
    findings = _check(
        """
        from __future__ import annotations
        from typing import TYPE_CHECKING
        from homeassistant.config_entries import ConfigEntry

        if TYPE_CHECKING:
            from homeassistant.core import HomeAssistant

        type MyEntry = ConfigEntry[int]

        async def async_setup_entry(hass: HomeAssistant, entry: MyEntry) -> bool:
            entry.async_on_unload(print)
            await hass.config_entries.async_forward_entry_setups(entry, ["button"])
            await hass.config_entries.async_forward_entry_setup(entry, "button")
            hass.async_add_job(print)
            return True
        """
    )
    assert findings == [
        (
            "pkg/__init__.py:13: note: homeassistant.config_entries.ConfigEntries."
            "async_forward_entry_setups reports under a condition: forwards no "
            "platforms"
        ),
        (
            "pkg/__init__.py:14: error: hass.config_entries.async_forward_entry_setup: "
            "homeassistant.config_entries.ConfigEntries.async_forward_entry_setup is "
            "deprecated in 2099.1.0: reports when called: calls "
            "async_forward_entry_setup "
            "(breaks in 2025.6)"
        ),
        (
            "pkg/__init__.py:15: error: hass.async_add_job: homeassistant.core."
            "HomeAssistant.async_add_job is deprecated in 2099.1.0: reports when "
            "called: "
            "calls async_add_job (breaks in 2025.4)"
        ),
    ]


def test_deprecated_arguments() -> None:
    """Passing hass to a helper that no longer takes it, old DeviceInfo keys."""
    errors = _errors(
        """
        from homeassistant.helpers import old
        from homeassistant.helpers.old import async_get_thing
        from homeassistant.helpers.device_registry import DeviceInfo

        def setup(hass):
            async_get_thing(hass)
            old.async_get_thing()
            DeviceInfo(name="Gate", default_name="Camera", created_at="now")
        """
    )
    assert [line.split(": error: ")[1] for line in errors] == [
        "async_get_thing: passing hass is deprecated in 2099.1.0",
        (
            "DeviceInfo(created_at=...) is deprecated in 2099.1.0: ignored, removed in "
            "2027.9.0"
        ),
        (
            "DeviceInfo(default_name=...) is deprecated in 2099.1.0: use name, "
            "removed in "
            "2027.9.0"
        ),
    ]


def test_voluptuous_names_against_the_alias() -> None:
    """Where voluptuous is another package's shim, vol.* must exist in it."""
    release = _release(
        pkg="""
        import voluptuous as vol
        SCHEMA = vol.Schema({vol.Required("a"): vol.Coerce(int)})
        DEFAULT = vol.UNDEFINED
        """
    )
    release.tree.add_text(
        "homeassistant",
        "from shimlib.compat import install_as_voluptuous\ninstall_as_voluptuous()\n",
        is_package=True,
    )
    release.tree.add_text(
        "shimlib._vol_shim",
        "from shimlib._vol_shim import _surface\nfrom shimlib._vol_shim._reexport "
        "import reexport\nreexport(globals(), _surface.TOP)\n",
        is_package=True,
    )
    release.tree.add_text(
        "shimlib._vol_shim._surface", 'TOP = ("Schema", "Required", "Coerce")\n'
    )
    provider = compat.voluptuous_provider(release.tree)
    assert provider == "shimlib"
    release.voluptuous = compat.voluptuous_surface(release.tree, provider)
    release.voluptuous_source = "shimlib 1.0"
    findings = [str(f) for f in compat.Checker(release, package="pkg").run()]
    assert findings == [
        (
            "pkg/__init__.py:2: warning: imports voluptuous: 2099.1.0 validates with "
            "shimlib 1.0 and only aliases voluptuous to it; keep voluptuous while "
            "releases without it are supported"
        ),
        (
            "pkg/__init__.py:4: error: voluptuous.UNDEFINED does not exist in shimlib "
            "1.0, "
            "which is voluptuous in 2099.1.0"
        ),
    ]


# ---------------------------------------------------------------- release warnings


def test_release_warnings_for_bool_returns_and_hass_data() -> None:
    """What the release reports that applies to the package, as warnings."""
    release = _release(
        pkg="""
        async def async_setup_entry(hass, entry) -> bool:
            hass.data[DOMAIN] = entry
            return True

        async def async_unload_entry(hass, entry) -> None:
            return None
        """
    )
    assert [
        str(f) for f in compat.release_warnings(release, release.tree, package="pkg")
    ] == [
        (
            "pkg/__init__.py:2: warning: async_setup_entry returns a bool; 2099.1.0 "
            "expects None (and reports a bool for core integrations); return None once "
            "every supported release accepts it"
        ),
        (
            "pkg.py:3: warning: hass.data[DOMAIN]: keep per-entry state in "
            "ConfigEntry.runtime_data"
        ),
    ]


def test_quality_scale_rules_from_the_release(tmp_path: Path) -> None:
    """Rules most core integrations list are expected; unknown ones are flagged."""
    wheel = tmp_path / "homeassistant-2099.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("homeassistant/__init__.py", "")
        for number in range(3):
            rules = "rules:\n  brands: done\n  docs-triggers: exempt\n"
            if number == 0:
                rules += "  one-off: todo\n"
            archive.writestr(
                f"homeassistant/components/c{number}/quality_scale.yaml", rules
            )
    release = compat.load_release(wheel, "2099.1.0", None)
    ours = "rules:\n  # Bronze\n  brands: done\n  made-up:\n    status: done\n"
    assert [
        str(f) for f in compat.quality_scale_warnings(release, ours, "q.yaml:1")
    ] == [
        (
            "q.yaml:1: warning: quality_scale.yaml lacks the rule docs-triggers (in "
            "2099.1.0)"
        ),
        "q.yaml:1: warning: quality_scale.yaml lists made-up, unknown to 2099.1.0",
    ]
    release.tree.close()


# ---------------------------------------------------------------- download and main


def _file(name: str, kind: str = "bdist_wheel", **extra: object) -> dict[str, object]:
    return {"filename": name, "packagetype": kind, "url": f"../files/{name}", **extra}


PYPI_ANSWER: dict[str, object] = {
    "releases": {
        "2026.9.4": [_file("homeassistant-2026.9.4-py3-none-any.whl")],
        "2026.10.0": [_file("homeassistant-2026.10.0-py3-none-any.whl")],
        "2026.11.0": [
            _file("homeassistant-2026.11.0.tar.gz", "sdist"),
            _file("homeassistant-2026.11.0-py3-none-any.whl", yanked=True),
        ],
        "2026.12.0b1": [_file("homeassistant-2026.12.0b1-py3-none-any.whl")],
        "2026.12.0.dev0": [_file("homeassistant-2026.12.0.dev0-py3-none-any.whl")],
        "2026.8.0": [],
    }
}


def test_pick_wheel_takes_the_newest_final_release_with_a_wheel() -> None:
    """Pre-releases, yanked wheels and sdist-only releases are skipped."""
    version, file = compat.pick_wheel(PYPI_ANSWER)
    assert version == "2026.10.0"  # numeric order: 10 > 9
    assert file["filename"] == "homeassistant-2026.10.0-py3-none-any.whl"
    assert compat.pick_wheel(PYPI_ANSWER, "2026.9.4")[0] == "2026.9.4"
    with pytest.raises(compat.DownloadError):
        compat.pick_wheel(PYPI_ANSWER, "2026.11.0")
    with pytest.raises(compat.DownloadError):
        compat.pick_wheel({"releases": {"1.0": []}})


def test_download_checks_the_digest_and_caches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Relative file URLs resolve against the index; the cache is reused."""
    wheel = b"PK wheel bytes"
    digest = hashlib.sha256(wheel).hexdigest()
    answer = {
        "releases": {
            "1.2.0": [_file("pkg-1.2.0-py3-none-any.whl", digests={"sha256": digest})]
        }
    }
    fetched: list[str] = []

    def fake_get(url: str) -> bytes:
        fetched.append(url)
        return json.dumps(answer).encode() if url.endswith("/json") else wheel

    monkeypatch.setattr(compat, "_get", fake_get)
    version, path = compat.download("pkg", None, tmp_path)
    assert (version, path.read_bytes()) == ("1.2.0", wheel)
    assert fetched == [
        "https://pypi.org/pypi/pkg/json",
        "https://pypi.org/pypi/files/pkg-1.2.0-py3-none-any.whl",
    ]
    compat.download("pkg", None, tmp_path)
    assert len(fetched) == 3  # only the index again

    answer["releases"]["1.2.0"][0]["digests"] = {"sha256": "0" * 64}
    path.unlink()
    with pytest.raises(compat.DownloadError, match="checksum"):
        compat.download("pkg", None, tmp_path)


def _write_wheel(path: Path, modules: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in modules.items():
            archive.writestr(name, dedent(text))
    return path


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A one-file integration the command line checks."""
    folder = tmp_path / "custom_components" / "demo"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(
        "from homeassistant.const import CONF_HOST\n", encoding="utf-8"
    )
    monkeypatch.setattr(compat, "INTEGRATION", folder)
    monkeypatch.setattr(compat, "PACKAGE", "custom_components.demo")
    return folder


def test_main_exit_status(
    tmp_path: Path, package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """0 when every name is fine, 1 on a missing or deprecated one."""
    wheel = _write_wheel(
        tmp_path / "homeassistant-2099.1.0-py3-none-any.whl",
        {
            "homeassistant/__init__.py": "",
            "homeassistant/const.py": 'CONF_HOST = "host"\n',
        },
    )
    assert compat.main(["--wheel", str(wheel)]) == compat.EXIT_OK
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"Home Assistant 2099.1.0 ({wheel.name})"
    assert "0 missing or deprecated" in out

    (package / "__init__.py").write_text(
        "from homeassistant.const import CONF_GONE\n", encoding="utf-8"
    )
    assert compat.main(["--wheel", str(wheel)]) == compat.EXIT_PROBLEM
    assert (
        "custom_components/demo/__init__.py:1: error: homeassistant.const.CONF_GONE "
        "does not exist in 2099.1.0" in capsys.readouterr().out
    )


def test_main_cannot_download(
    tmp_path: Path,
    package: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Exit status 2 when PyPI cannot be reached (or a wheel is unreadable)."""

    def unreachable(url: str) -> bytes:
        msg = f"{url}: unreachable"
        raise compat.DownloadError(msg)

    monkeypatch.setattr(compat, "_get", unreachable)
    assert compat.main(["--cache", str(tmp_path)]) == compat.EXIT_DOWNLOAD
    assert "could not get the release" in capsys.readouterr().err

    broken = tmp_path / "homeassistant-1.0-py3-none-any.whl"
    broken.write_bytes(b"not a zip")
    assert compat.main(["--wheel", str(broken)]) == compat.EXIT_DOWNLOAD
