"""A table of rows: Home and End go to the first and last row (a DataTable's own Home and End scroll to the first and
last column, which at 120 columns slid the ranking sideways: "ick", "o-think" in the model column, trial 30)."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class RowTable(DataTable):
    BINDINGS = [Binding("home", "scroll_top", "First row", show=False), Binding("end", "scroll_bottom", "Last row", show=False)]
