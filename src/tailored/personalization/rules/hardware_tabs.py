"""Hardware tabs: `<Tabs>` whose items name setups ("Jetson", "Cloud", "RTX workstation").

No annotation needed: when two or more tabs of a group each name one hardware target and the
learner owns one of them, that tab becomes the default (the others stay one click away).
"""

from __future__ import annotations

from tailored.inference.sections import HARDWARE_PATTERNS
from tailored.personalization.rules.audience import HARDWARE
from tailored.personalization.rules.context import Context
from tailored.personalization.rules.features import tab_target
from tailored.personalization.rules.hardware_targets import describe
from tailored.personalization.rules.tabs import make_default, tab_groups, tabs_of

NAME = "hardware_path"


def apply(ctx: Context) -> None:
    owned = ctx.audience.get(HARDWARE)
    if not isinstance(owned, list) or not owned:
        return
    changed: list[str] = []
    for group in tab_groups(ctx):
        tabs = tabs_of(ctx, group)
        targets = [tab_target(f"{t.label} {t.value or ''}") for t in tabs]
        if len({t for t in targets if t}) < 2 or any(t.value is None for t in tabs):
            continue
        shown = next((t for t in tabs if t.default), tabs[0])
        pick = next((t for t, target in zip(tabs, targets, strict=True) if target in owned), None)
        if pick is None or pick is shown:
            continue
        make_default(ctx, group, tabs, pick)
        for tab in tabs:
            if tab is not pick:
                ctx.plan.hidden.append((tab.block.start, tab.block.end))
        changed.append(pick.label)
    if changed:
        label = describe(frozenset(t for t in owned if t in HARDWARE_PATTERNS))
        ctx.plan.note(NAME, f"Opened the {label} tab first in {len(changed)} tab group(s)")
