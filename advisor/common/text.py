"""Text that came from a file, a plugin or the network, made safe to print on a terminal.

``clean(text)`` drops ANSI/VT escape sequences (CSI, OSC such as window titles and hyperlinks, single
ESC commands) and every other C0/C1 control character except newline and tab, so a report, workload or
catalog cannot move the cursor, rewrite earlier lines, set the window title or hide text. ``SafeStream``
applies it, and the redactor, to everything written to a stream (the CLI wraps stdout and stderr).
"""

from __future__ import annotations

import re
from typing import Any, TextIO

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"                    # CSI: cursor moves, colours, erase
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"        # OSC: window title, hyperlinks (BEL or ST ended)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"             # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]?"                          # any other ESC sequence
    r"|\x9b[0-?]*[ -/]*[@-~]"                     # 8-bit CSI
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """``text`` without terminal escape sequences and control characters (newline and tab kept)."""
    if not isinstance(text, str):
        text = str(text)
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


class SafeStream:
    """A text stream wrapper that ``clean``s and redacts (``advisor.common.redact``) every write."""

    def __init__(self, stream: TextIO):
        from advisor.common.redact import secret_values

        self._stream = stream
        self._secrets = secret_values()

    def write(self, text: str) -> int:
        from advisor.common.redact import redact

        self._stream.write(redact(clean(text), self._secrets))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def nearest(given: str, names, cutoff: float = 0.6) -> str | None:
    """The name in ``names`` closest to a mistyped ``given`` (None below ``cutoff``). Each name is compared whole and
    by its leading ``_``-separated words ("requests", "requests_per"), so a short typo of a long field's first word
    (``requets``) finds that field (requests_per_day), not a short name that shares more of its letters (preset)."""
    from difflib import SequenceMatcher

    given = str(given).lower()
    best, score = None, 0.0
    for name in names:
        words = name.split("_")
        for part in dict.fromkeys(["_".join(words[:i]) for i in range(1, len(words) + 1)]):
            s = SequenceMatcher(None, given, part.lower()).ratio()
            if s > score + 1e-9:
                best, score = name, s
    return best if score >= cutoff else None
