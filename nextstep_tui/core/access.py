"""Who may see and change which leads.

A personal database is all its owner's. In a team database a rep sees and
changes their own leads; a manager sees everyone's and may reassign them.
The rep is the login the process runs as: the caller finds it from the
operating system and the team's configuration, and this module only judges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nextstep_tui.core.errors import InvalidInput, NotFound, WrongState


@dataclass(frozen=True)
class Access:
    """One rep's rights over one database."""

    rep: str
    team: str | None = None
    """The team's name (its unix group); None for a personal database."""
    manager: bool = False
    members: frozenset[str] = field(default_factory=frozenset)
    """The team's reps and managers, when known; leads go only to them."""
    managers: tuple[str, ...] = ()

    @property
    def sees_all(self) -> bool:
        return self.team is None or self.manager

    def may_change(self, owner: str) -> bool:
        return self.sees_all or owner == self.rep

    def check_sees(self, lead_id: int, owner: str) -> None:
        """Another rep's lead is, to a rep, not in their pipeline: neither
        whose it is nor whether it exists is told."""
        if not self.may_change(owner):
            raise self.missing(lead_id)

    def missing(self, lead_id: int) -> NotFound:
        if self.sees_all:
            return NotFound(f"No lead with id {lead_id}.")
        return NotFound(
            f"Lead {lead_id} is not in your pipeline; you see and change only "
            "your own leads."
        )

    def check_owner(self, owner: str) -> None:
        """``owner`` may be given a lead by this rep (adding or importing)."""
        if owner == self.rep:
            return
        if not self.may_change(owner):
            raise WrongState(
                f"Only a manager can give a lead to {owner}; the leads you add "
                "are yours."
            )
        if self.members and owner not in self.members:
            raise InvalidInput(f"{owner} is not in the team {self.team}.")

    def check_reassign(self, to: str) -> None:
        if self.team is None:
            raise WrongState(
                "A personal database is all yours; reassigning is for a team's "
                "database (nextstep team init)."
            )
        if not self.manager:
            who = ", ".join(self.managers) or "the team's managers"
            raise WrongState(f"Only a manager can reassign leads; ask {who}.")
        self.check_owner(to)

    def check_copies_all(self, what: str) -> None:
        """A copy of the whole database holds every rep's leads: in a team,
        making one (``what``: a backup, a migration) is a manager's job."""
        if not self.sees_all:
            who = ", ".join(self.managers) or "the team's managers"
            raise WrongState(
                f"{what} copies every rep's leads: only a manager makes one; ask {who}."
            )

    def check_views(self, owner: str | None) -> None:
        """This rep may look at ``owner``'s pipeline (None: everyone's)."""
        if owner == self.rep or self.sees_all:
            return
        raise WrongState("Only a manager can see other reps' pipelines.")


def personal(rep: str) -> Access:
    return Access(rep=rep)
