"""Release hygiene: hacs.json, quality_scale.yaml, the workflows and dependabot."""

from __future__ import annotations

import json
from pathlib import Path
import re
import subprocess

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "excelsense"
WORKFLOWS = ROOT / ".github" / "workflows"

# The keys HACS 2 reads from hacs.json (render_readme is accepted but unused).
HACS_KEYS = {
    "name",
    "content_in_root",
    "country",
    "filename",
    "hacs",
    "hide_default_branch",
    "homeassistant",
    "persistent_directory",
    "zip_release",
}


def _json(path: Path) -> dict[str, object]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _yaml(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_hacs_json() -> None:
    """Only keys HACS reads; the minimum release is the README's."""
    hacs = _json(ROOT / "hacs.json")
    assert set(hacs) <= HACS_KEYS
    assert hacs["name"] == _json(INTEGRATION / "manifest.json")["name"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"Home Assistant **{hacs['homeassistant']}** or newer is required" in readme


def test_release_zip_is_the_one_hacs_downloads() -> None:
    """zip_release: the release workflow builds and publishes hacs.json's filename."""
    hacs = _json(ROOT / "hacs.json")
    assert hacs["zip_release"] is True
    release = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    filename = str(hacs["filename"])
    assert f'zip -r -X "$GITHUB_WORKSPACE/{filename}"' in release
    assert f'gh release create "$TAG" {filename}' in release


def _tag_check() -> str:
    jobs = _yaml(WORKFLOWS / "release.yml")["jobs"]
    assert isinstance(jobs, dict)
    steps = jobs["version"]["steps"]
    (script,) = [step["run"] for step in steps if "run" in step]
    return str(script)


@pytest.mark.parametrize(
    ("tag", "passes"),
    [("v{version}", True), ("{version}", False), ("v{version}.1", False)],
)
def test_release_tag_must_equal_the_manifest_version(tag: str, passes: bool) -> None:
    """The workflow's own check, run here on the real manifest."""
    version = _json(INTEGRATION / "manifest.json")["version"]
    result = subprocess.run(  # noqa: S603 - the workflow's own script
        ["bash", "-e", "-c", _tag_check()],  # noqa: S607 - bash from PATH
        cwd=ROOT,
        env={"TAG": tag.format(version=version), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode == 0) is passes, result.stdout + result.stderr
    if not passes:
        assert "does not match the manifest version" in result.stdout


def test_release_runs_the_tests_before_publishing() -> None:
    """Publishing needs the tests, the tests need the tag check."""
    workflow = _yaml(WORKFLOWS / "release.yml")
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    assert jobs["tests"]["needs"] == "version"
    assert jobs["publish"]["needs"] == "tests"
    runs = [step.get("run", "") for step in jobs["tests"]["steps"]]
    assert "scripts/test ${{ matrix.args }}" in runs
    assert {m["args"] for m in jobs["tests"]["strategy"]["matrix"]["include"]} == {
        "",
        "--oldest",
    }
    # The only job that may write: the one that publishes.
    assert jobs["publish"]["permissions"] == {"contents": "write"}
    assert workflow[True] == {"push": {"tags": ["v*"]}}  # YAML reads "on" as True


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_workflows_pin_actions_and_limit_permissions(path: Path) -> None:
    """Full commit SHAs with a version comment; no permissions unless a job asks."""
    workflow = _yaml(path)
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    for name, job in jobs.items():
        assert "permissions" in job, name
    for line in path.read_text(encoding="utf-8").splitlines():
        if "uses:" in line:
            assert re.search(r"uses: [\w./-]+@[0-9a-f]{40} # \S+", line), line


def test_validation_runs_on_a_schedule_and_on_demand() -> None:
    """Validate (hassfest, HACS, the drift check) also runs weekly and by hand."""
    triggers = _yaml(WORKFLOWS / "validate.yml")[True]  # YAML reads "on" as True
    assert isinstance(triggers, dict)
    assert triggers["schedule"]
    assert "workflow_dispatch" in triggers
    jobs = _yaml(WORKFLOWS / "validate.yml")["jobs"]
    assert isinstance(jobs, dict)
    assert any(
        step.get("run") == "scripts/compat"
        for job in jobs.values()
        for step in job["steps"]
    )


def test_dependabot_updates_the_pinned_actions() -> None:
    """The actions pinned by SHA get update pull requests."""
    updates = _yaml(ROOT / ".github" / "dependabot.yml")["updates"]
    assert isinstance(updates, list)
    ecosystems = {update["package-ecosystem"]: update for update in updates}
    assert ecosystems["github-actions"]["directory"] == "/"
    # Home Assistant pins are deliberate; only the linters and playwright follow.
    allowed = {rule["dependency-name"] for rule in ecosystems["pip"]["allow"]}
    assert allowed == {"ruff", "mypy", "playwright"}


def test_quality_scale_is_complete_and_explained() -> None:
    """Every rule has a status; exempt and todo say why; brands ship in brand/."""
    rules = _yaml(INTEGRATION / "quality_scale.yaml")["rules"]
    assert isinstance(rules, dict)
    for rule, value in rules.items():
        status = value if isinstance(value, str) else value["status"]
        assert status in {"done", "todo", "exempt"}, rule
        if status != "done":
            assert value["comment"], rule
    assert rules["brands"]["status"] == "done"
    assert (INTEGRATION / "brand" / "icon.png").is_file()
    assert (INTEGRATION / "brand" / "icon@2x.png").is_file()
    # No trigger or condition platforms of our own: the docs rules are exempt.
    for rule, platform in (
        ("docs-triggers", "trigger"),
        ("docs-conditions", "condition"),
    ):
        assert rules[rule]["status"] == "exempt"
        assert not (INTEGRATION / f"{platform}.py").exists()
        assert not (INTEGRATION / f"device_{platform}.py").exists()
