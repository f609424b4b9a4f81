"""Small builders for core tests."""

from __future__ import annotations

import pendulum

from nextstep_tui.core.model import LeadFields, StepInput
from nextstep_tui.core.when import When, parse_when
from tests.conftest import NOW, ZONE


def when(text: str, now: pendulum.DateTime = NOW) -> When:
    return parse_when(text, now, ZONE)


def step(
    action: str = "Demo to the CFO",
    due: str = "mon 10:00",
    agreed: bool = True,
    advances: bool = True,
    now: pendulum.DateTime = NOW,
) -> StepInput:
    return StepInput(action, when(due, now), agreed, advances)


def fields(name: str = "Acme", **more: object) -> LeadFields:
    return LeadFields(name=name, **more)  # type: ignore[arg-type]
