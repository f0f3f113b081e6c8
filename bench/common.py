"""What every benchmark returns, and the table `python -m bench` prints."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One measured figure beside the baseline measured in the same run.

    `higher_is_better` says which way the ratio must go to meet `target` (a ratio).
    """

    name: str
    value: float
    baseline: float
    unit: str
    target: float
    higher_is_better: bool = True

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")

    @property
    def met(self) -> bool:
        return self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target


def table(figures: list[Figure]) -> str:
    header = f"{'figure':<44} {'value':>12} {'baseline':>12} {'unit':<10} {'ratio':>7} {'target':>9}  met"
    lines = [header, "-" * len(header)]
    for f in figures:
        sign = ">=" if f.higher_is_better else "<="
        lines.append(
            f"{f.name:<44} {f.value:>12.1f} {f.baseline:>12.1f} {f.unit:<10} {f.ratio:>7.2f} "
            f"{sign}{f.target:>7.2f}  {'yes' if f.met else 'NO'}"
        )
    return "\n".join(lines)


def spread(values: list[float]) -> tuple[float, float, float]:
    """(min, median, max) of repeated measurements."""
    ordered = sorted(values)
    if not ordered:
        return (0.0, 0.0, 0.0)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return ordered[0], median, ordered[-1]


def show_spread(label: str, values: list[float], unit: str = "", digits: int = 2) -> str:
    low, mid, high = spread(values)
    return f"{label:<46} min {low:>10.{digits}f}  median {mid:>10.{digits}f}  max {high:>10.{digits}f} {unit}"


def alternate(rounds: int, a: Callable[[], float], b: Callable[[], float]) -> tuple[list[float], list[float]]:
    """Run A, B, A, B, ... `rounds` times each, so a busy neighbour weighs on both alike."""
    first: list[float] = []
    second: list[float] = []
    for _ in range(rounds):
        first.append(a())
        second.append(b())
    return first, second
