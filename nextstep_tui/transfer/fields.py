"""The facts a file's column can hold, by name: what ``--map column=field`` takes.

Kept apart from ``mapping`` so that the command line's help costs no more
than this list.
"""

FIELDS: dict[str, str] = {
    "external_id": "the lead's id in the other tool",
    "name": "the lead's name (a deal title)",
    "company": "the company or account",
    "contact": "the person you deal with",
    "first_name": "the contact's first name",
    "last_name": "the contact's last name",
    "email": "email",
    "phone": "phone",
    "value": "the deal's value",
    "source": "where the lead came from",
    "notes": "free notes",
    "product": "a product, used in the name when there is none",
    "owner": "the rep the lead belongs to (as --owner-from)",
    "stage": "the stage or status: open, won or dropped",
    "created": "when the lead was created",
    "closed": "when it was won or lost",
    "step": "the next step's action",
    "due": "when the next step is due",
    "agreed": "the buyer agreed to the step (yes/no)",
    "advances": "the step advances the sale (yes/no)",
    "postponed": "how many times the step was postponed",
    "drop_reason": "why it was dropped",
    "drop_note": "a note on the drop",
    "recycle_on": "the day a dropped lead comes back",
    "ignore": "nothing: leave the column out",
}
