"""Measurements: recorded by the metric modules, read and judged by the runner."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
import json
import operator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

type Op = Literal["<=", "<", "=="]

_OPS: dict[Op, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}


@dataclass(frozen=True, kw_only=True)
class Metric:
    """One measured figure and the limit it is compared with (None: reported)."""

    key: str
    name: str
    value: float | None
    unit: str = ""
    limit: float | None = None
    op: Op = "<="
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool | None:
        """Whether the value meets its limit (None when there is none)."""
        if self.limit is None or self.value is None:
            return None
        return _OPS[self.op](round(self.value, 6), self.limit)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form, with the verdict."""
        return {**asdict(self), "passed": self.passed}


def record(path: str, item: Metric | dict[str, Any]) -> None:
    """Append a metric (or a plain record such as a duration) to the results."""
    if not path:
        return
    payload = item.as_dict() if isinstance(item, Metric) else item
    with Path(path).open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(payload) + "\n")


def record_all(path: str, metrics: Iterable[Metric]) -> None:
    """Append several metrics, in order."""
    for metric in metrics:
        record(path, metric)


def load(path: Path) -> tuple[list[Metric], list[dict[str, Any]]]:
    """Metrics and other records, in the order they were recorded."""
    metrics: list[Metric] = []
    others: list[dict[str, Any]] = []
    if not path.exists():
        return metrics, others
    for line in path.read_text(encoding="utf-8").splitlines():
        payload = json.loads(line)
        if "key" in payload:
            payload.pop("passed", None)
            metrics.append(Metric(**payload))
        else:
            others.append(payload)
    return metrics, others
