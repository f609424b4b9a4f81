"""Peewee models over the tables that ``schema`` creates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee
import pendulum

from nextstep_tui.storage.proxy import database


class InstantField(peewee.BigIntegerField):
    """A UTC instant kept as whole seconds since the epoch.

    Integers sort and compare the same on every engine and never carry a
    zone, so nothing naive can reach the database: a naive value is refused.
    """

    def db_value(self, value: Any) -> int | None:
        if value is None or isinstance(value, int):
            return value
        if not isinstance(value, dt.datetime):
            raise TypeError(f"an instant must be a datetime, not {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"refusing a naive datetime: {value!r}")
        return int(value.timestamp())

    def python_value(self, value: Any) -> pendulum.DateTime | None:
        if value is None:
            return None
        return pendulum.from_timestamp(int(value), tz="UTC")


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


class Lead(BaseModel):
    id = peewee.AutoField()
    name = peewee.TextField()
    company = peewee.TextField(default="")
    contact = peewee.TextField(default="")
    email = peewee.TextField(default="")
    phone = peewee.TextField(default="")
    value_cents = peewee.BigIntegerField(null=True)
    owner = peewee.TextField()
    source = peewee.TextField(default="")
    external_id = peewee.TextField(null=True)
    notes = peewee.TextField(default="")
    created_at = InstantField()
    state = peewee.TextField()
    step_action = peewee.TextField(null=True)
    step_due = InstantField(null=True)
    step_has_time = peewee.BooleanField(default=False)
    step_agreed = peewee.BooleanField(default=False)
    step_advances = peewee.BooleanField(default=False)
    postponed = peewee.IntegerField(default=0)
    closed_at = InstantField(null=True)
    drop_reason = peewee.TextField(null=True)
    drop_note = peewee.TextField(default="")
    recycle_on = InstantField(null=True)
    version = peewee.IntegerField(default=1)

    class Meta:
        table_name = "lead"


class Event(BaseModel):
    id = peewee.AutoField()
    lead = peewee.ForeignKeyField(Lead, column_name="lead_id", backref="events")
    at = InstantField()
    actor = peewee.TextField()
    kind = peewee.TextField()
    data = peewee.TextField(default="{}")

    class Meta:
        table_name = "event"


MODELS: list[type[BaseModel]] = [Lead, Event]
