"""The house drawn from the imports: layers point one way, and one way to do things."""

from __future__ import annotations

import ast
from pathlib import Path
import re

import pytest

PACKAGE = Path(__file__).parent.parent / "custom_components" / "excelsense"
API = PACKAGE / "api"
INTEGRATION = sorted(PACKAGE.glob("*.py"))
LIBRARY = sorted(API.rglob("*.py"))


def _imports(path: Path) -> list[tuple[int, str]]:
    """(level, module) of every import; level 0 is absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((0, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: str(p.relative_to(API)))
def test_the_library_imports_nothing_of_home_assistant(path: Path) -> None:
    """``api/`` could be published as it is: no Home Assistant, no integration."""
    for level, module in _imports(path):
        assert not module.startswith(("homeassistant", "custom_components"))
        depth = len(path.relative_to(API).parts)  # 1: api/x.py, 2: api/sub/x.py
        assert level <= depth, f"{path.name} reaches outside api/"


@pytest.mark.parametrize("path", INTEGRATION, ids=lambda p: p.name)
def test_the_integration_uses_the_library_through_its_package(path: Path) -> None:
    """No arrow from the integration into ``api/`` internals."""
    for level, module in _imports(path):
        if level == 1 and module.startswith("api."):
            pytest.fail(f"{path.name} imports .{module}")


def test_the_error_map_only_maps() -> None:
    """``errors`` imports the library and constants only: no side effects."""
    allowed = {"api", "const"}
    for level, module in _imports(PACKAGE / "errors.py"):
        if level == 1:
            assert module in allowed, module
        else:
            assert module in {"__future__", "homeassistant.exceptions"}, module


@pytest.mark.parametrize("path", INTEGRATION, ids=lambda p: p.name)
def test_entities_update_one_way(path: Path) -> None:
    """Everything an entity shows comes from a coordinator: no dispatcher."""
    assert "dispatcher" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", INTEGRATION, ids=lambda p: p.name)
def test_no_device_error_code_outside_the_library(path: Path) -> None:
    """The library decides what the camera's codes mean (typed exceptions)."""
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\.code\b", text)
    assert not re.search(r"(?<![\w.])-(?:2[12]|5\d\d)\b", text)


def test_issues_are_raised_in_one_module() -> None:
    """Repair issues are created and deleted in ``issues`` only."""
    for path in INTEGRATION:
        if path.name == "issues.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert "async_create_issue" not in text, path.name
        assert "async_delete_issue" not in text, path.name


@pytest.mark.parametrize("path", [*INTEGRATION, *LIBRARY], ids=lambda p: p.name)
def test_modules_stay_small(path: Path) -> None:
    """No module grows past what one reader takes in (the models are tables)."""
    limit = 1100 if path.name == "models.py" else 500
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= limit, f"{path.name}: {lines} lines"
