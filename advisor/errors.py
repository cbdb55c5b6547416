"""Errors that reach a user as one clear line, never a traceback."""

from __future__ import annotations


class AdvisorError(Exception):
    """Base class: ``str(err)`` is the one-line message shown to the user."""


class CatalogError(AdvisorError):
    """A catalog file, entry or field is wrong. Names where, so the user can fix it."""

    def __init__(self, file: str, message: str, entry: str | None = None, field: str | None = None):
        self.file = file
        self.entry = entry
        self.field = field
        self.message = message
        where = file
        if entry:
            where += f": entry '{entry}'"
        if field:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}")


class UnknownIdError(AdvisorError):
    """An id (model, GPU, preset, provider) that is not in the catalog; lists close matches."""

    def __init__(self, kind: str, given: str, known: list[str]):
        import difflib

        self.kind = kind
        self.given = given
        close = difflib.get_close_matches(given, known, n=4, cutoff=0.4)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        where = LISTED_BY.get(kind, f"moe-advisor list {kind}s")
        listed = f"list them with `{where}`" if where else ", ".join(known)
        super().__init__(f"unknown {kind} '{given}'.{hint} ({len(known)} known; {listed})")

    def with_where(self, where: str | None, field: str) -> UnknownIdError:
        """The same error, prefixed with where the id was given (a workload file, preset or flags) and its field."""
        if where:
            self.args = (f"{where}: {field}: {self}",)
        return self


LISTED_BY = {"provider": "moe-advisor prices", "precision": "moe-advisor list precisions", "preset": "moe-advisor list presets",
             "kv precision": "", "quality benchmark": ""}
"""Where a user finds the known ids of a kind (default: ``moe-advisor list <kind>s``; empty: no command lists them,
the message names them all)."""


class InputError(AdvisorError):
    """A user-supplied value (workload field, CLI flag) is invalid; names the field."""

    def __init__(self, field: str, message: str, where: str | None = None):
        self.field = field
        self.where = where
        self.message = message
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{field}: {message}")
