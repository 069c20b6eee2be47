"""Hardware targets of a `data-hardware` block and how to name them to a reader."""

from __future__ import annotations

from tailored.models import HardwareAvailable

TARGETS = frozenset(HardwareAvailable)
LABELS = {
    "jetson_kit": "Jetson developer kit",
    "rtx_workstation": "RTX workstation",
    "cloud": "cloud GPU",
    "none": "no hardware (simulation only)",
}


def parse_targets(value: str) -> frozenset[str] | None:
    """`"jetson_kit, cloud"` → both targets; None when any target is unknown (or none given)."""
    targets = {item.strip().lower() for item in value.split(",") if item.strip()}
    if not targets or not targets <= TARGETS:
        return None
    return frozenset(targets)


def describe(targets: frozenset[str]) -> str:
    return " or ".join(LABELS[target] for target in sorted(targets))
