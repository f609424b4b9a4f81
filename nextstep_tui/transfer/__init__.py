"""Leads in and out: CSV import from other tools, CSV, calendar and JSON export.

This layer reads and writes files; the rules of an import live in
``nextstep_tui.core.importing``.
"""
