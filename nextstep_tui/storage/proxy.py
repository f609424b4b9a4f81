"""The one place the models find their database, set when it is opened."""

import peewee

database = peewee.DatabaseProxy()
