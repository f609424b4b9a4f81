"""The errors a rep can cause, and the words they are told in."""


class NextstepError(Exception):
    """Something the rep can fix; the message is shown to them as it is."""


class InvalidInput(NextstepError):
    """A value the rep typed or a file held cannot be used."""


class NotFound(NextstepError):
    """No lead has that id (or the rep may not see it)."""


class WrongState(NextstepError):
    """The operation does not apply to a lead in its current state."""


class Conflict(NextstepError):
    """Another session changed the lead since it was read."""


class StorageError(NextstepError):
    """The database cannot be opened, upgraded or written."""


class Busy(StorageError):
    """Another session held the write lock past the wait; nothing was saved."""
