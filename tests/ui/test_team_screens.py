"""A team's database in the app: a manager picks whose pipeline and reassigns;
a rep is offered neither."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nextstep_tui.core.access import Access
from nextstep_tui.core.model import LeadFields
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.ui.screens.cohorts import CohortScreen
from nextstep_tui.ui.screens.lead import LeadScreen
from nextstep_tui.ui.screens.pipeline import PipelineScreen
from nextstep_tui.ui.screens.reps import RepPicker
from nextstep_tui.ui.widgets.key_line import KeyLine
from tests.conftest import Clock
from tests.core.helpers import step
from tests.ui.conftest import RecordingApp, lead_list, settle, shown_names, until

TEAM = frozenset({"ann", "bob", "maria"})

TeamApp = Callable[..., RecordingApp]


@pytest.fixture
def team_app(pipeline: Pipeline, clock: Clock) -> TeamApp:
    """Ann's Acme and Bob's Globex and Hooli; the app as ``rep``."""

    def pipeline_of(rep: str, manager: bool = False) -> Pipeline:
        access = Access(
            rep=rep, team="sales", manager=manager, members=TEAM, managers=("maria",)
        )
        return Pipeline(
            pipeline.db, rep=rep, zone=pipeline.zone, access=access, clock=clock
        )

    pipeline_of("ann").add_lead(LeadFields("Acme"), step("Demo", "today 16:00"))
    bob = pipeline_of("bob")
    bob.add_lead(LeadFields("Globex"), step("Proposal", "today 17:00"))
    bob.add_lead(LeadFields("Hooli"), step("Pilot review", "today 18:00"))

    def app_of(rep: str, manager: bool = False) -> RecordingApp:
        return RecordingApp(pipeline_of(rep, manager))

    return app_of


def key_line(app: RecordingApp) -> str:
    return str(app.screen.query_one(KeyLine).render())


def rows(app: RecordingApp) -> list[str]:
    """The list's header and rows as the terminal shows them."""
    leads = lead_list(app)
    return [leads.render_line(y).text for y in range(4)]


def section_bar(app: RecordingApp) -> str:
    return str(app.screen.query_one("#sections").render())


async def test_a_manager_picks_whose_pipeline(team_app: TeamApp) -> None:
    app = team_app("maria", True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert shown_names(app) == ["Acme", "Globex", "Hooli"]
        assert "· everyone" in section_bar(app)
        assert rows(app)[0].split()[:3] == ["Lead", "Rep", "Next"]
        assert rows(app)[1].split()[:2] == ["Acme", "ann"]
        assert "o Rep" in key_line(app)

        await pilot.press("o")
        assert await until(pilot, lambda: isinstance(app.screen, RepPicker))
        picker = app.screen
        assert isinstance(picker, RepPicker)
        assert picker.reps == [("ann", 1), ("bob", 2), ("maria", 0)]
        await pilot.press("down", "down", "enter")  # Everyone, ann, bob
        await settle(pilot)

        assert isinstance(app.screen, PipelineScreen)
        assert shown_names(app) == ["Globex", "Hooli"]
        assert "· bob" in section_bar(app)
        assert rows(app)[0].split()[:2] == ["Lead", "Company"]
        summary = str(app.screen.query_one("#summary").render())
        assert not summary.startswith("bob")  # one rep's list: no names needed

        await pilot.press("o")
        assert await until(pilot, lambda: isinstance(app.screen, RepPicker))
        await pilot.press("escape")  # leaving changes nothing
        await settle(pilot)
        assert shown_names(app) == ["Globex", "Hooli"]

        await pilot.press("o")
        assert await until(pilot, lambda: isinstance(app.screen, RepPicker))
        await pilot.press("home", "enter")
        await settle(pilot)
        assert shown_names(app) == ["Acme", "Globex", "Hooli"]
        summary = str(app.screen.query_one("#summary").render())
        assert summary.startswith("ann — Acme")


async def test_a_manager_reassigns_from_the_lead_screen(team_app: TeamApp) -> None:
    app = team_app("maria", True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # Acme, Ann's
        assert await until(pilot, lambda: isinstance(app.screen, LeadScreen))
        await settle(pilot)
        assert "o Reassign" in key_line(app)

        await pilot.press("o")
        assert await until(pilot, lambda: isinstance(app.screen, RepPicker))
        await pilot.press("down", "enter")  # from ann to bob
        assert await until(pilot, lambda: "The lead is now bob's." in app.told)
        await settle(pilot)

        lead = app.pipeline.get(app.pipeline.rows()[0].id)
        assert (lead.name, lead.owner) == ("Acme", "bob")
        assert app.pipeline.history(lead.id)[-1].data == {"owner": ["ann", "bob"]}


async def test_a_rep_is_offered_neither(team_app: TeamApp) -> None:
    app = team_app("ann")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert shown_names(app) == ["Acme"]
        assert "· ann" in section_bar(app)
        assert "Rep" not in key_line(app)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, PipelineScreen)
        assert shown_names(app) == ["Acme"]

        await pilot.press("enter")
        assert await until(pilot, lambda: isinstance(app.screen, LeadScreen))
        await settle(pilot)
        assert "Reassign" not in key_line(app)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, LeadScreen)
        assert app.pipeline.get(app.pipeline.rows()[0].id).owner == "ann"


async def test_a_personal_database_shows_no_team(team_app: TeamApp) -> None:
    app = team_app("ann")
    app.pipeline.access = Access(rep="ann")
    app.pipeline.owner = None
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "·" not in section_bar(app)
        assert shown_names(app) == ["Acme", "Globex", "Hooli"]


async def test_a_lead_given_away_leaves_the_reps_screen(team_app: TeamApp) -> None:
    app = team_app("bob")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # Globex, Bob's
        assert await until(pilot, lambda: isinstance(app.screen, LeadScreen))
        await settle(pilot)  # its first reading done, or the next cancels it
        screen = app.screen
        assert isinstance(screen, LeadScreen)
        maria = Pipeline(
            app.pipeline.db,
            rep="maria",
            zone=app.pipeline.zone,
            access=Access(rep="maria", team="sales", manager=True, members=TEAM),
        )
        maria.reassign(screen.lead_id, "ann")

        screen.reload()  # as another session's change makes it
        assert await until(pilot, lambda: isinstance(app.screen, PipelineScreen))
        assert any("is not in your pipeline" in told for told in app.told)
        assert await until(pilot, lambda: shown_names(app) == ["Hooli"])


async def test_cohorts_name_the_zone_their_months_are_counted_in(
    team_app: TeamApp,
) -> None:
    app = team_app("maria", True)
    app.pipeline.report_zone = "Asia/Tokyo"  # team.toml's zone for reports
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        assert await until(pilot, lambda: isinstance(app.screen, CohortScreen))
        title = str(app.screen.query_one("#cohorts-title").render())
        assert title.endswith("(Asia/Tokyo)")


async def test_j_and_k_move_in_the_rep_picker(team_app: TeamApp) -> None:
    app = team_app("maria", True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # Acme, Ann's
        assert await until(pilot, lambda: isinstance(app.screen, LeadScreen))
        await settle(pilot)
        await pilot.press("o")
        assert await until(pilot, lambda: isinstance(app.screen, RepPicker))
        await pilot.press("j", "j", "k", "enter")  # ann, bob, maria, bob
        assert await until(pilot, lambda: "The lead is now bob's." in app.told)

        await pilot.press("o")
        assert await until(pilot, lambda: isinstance(app.screen, RepPicker))
        await pilot.press("enter")  # the picker opens on the lead's own rep
        assert await until(pilot, lambda: "The lead is already bob's." in app.told)
