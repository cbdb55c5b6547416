"""Model ids shortened for a table column: the start kept (it names the family), and where two ids would read alike,
the part that tells them apart. No Textual here: the cuts are plain text."""

from __future__ import annotations

import os

HEAD_MIN = 3
"""A shortened id keeps at least its first 3 characters (``dee…``, ``qwe…``), whatever else is cut."""


def cut(text: str, width: int) -> str:
    """``text`` in ``width`` characters, its end cut with a sign."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def _middle(name: str, shared: int, width: int, ends: bool = True) -> str:
    """``name`` in ``width`` characters: its start, a sign, and the part after the ``shared`` prefix (what tells it
    from the ids it would read alike), or where that does not fit the longest end of it that starts a word
    (``deep…flash``), else that part cut at its own end (``dee…v4-fl…``)."""
    tail = name[shared:]
    head = width - 1 - len(tail)
    if head >= HEAD_MIN:
        return name[:head] + "…" + tail
    for i, ch in enumerate(tail if ends else ""):  # else its longest end that starts a word (``flash`` of ``v4-flash``) and fits
        if ch in "-." and len(tail) - i - 1 <= width - 1 - HEAD_MIN and i + 1 < len(tail):
            end = tail[i + 1:]
            return name[:width - 1 - len(end)] + "…" + end
    head = min(HEAD_MIN, max(1, width - 2))  # the start, then as much of the part that differs as fits
    rest = width - head - 1
    return name[:head] + "…" + (cut(tail, rest) if rest > 2 else tail[:rest])  # one sign, not two, in a short cut


def distinct_cuts(names: set[str], width: int) -> dict[str, str]:
    """Each id in ``width`` characters, two different ids never shortened alike where the width allows it.

    An id is cut at its end (``llama-4-mave…``), keeping its start; ids that would read alike keep their start and
    the part after the prefix they share (``deepseek-v4-flash``/``-pro`` at 10: ``deep…flash``/``deeps…-pro``).
    Only the ids that collide are cut that way; the others keep their end cut."""
    cuts = {n: cut(n, width) for n in names}
    for attempt in range(3):
        groups: dict[str, list[str]] = {}
        for n, c in cuts.items():
            groups.setdefault(c, []).append(n)
        alike = [g for g in groups.values() if len(g) > 1]
        if not alike:
            break
        for same in alike:
            shared = len(os.path.commonprefix(same))
            for n in same:
                cuts[n] = _middle(n, shared, width, ends=attempt == 0)  # ends that still clash: the differing start
    return cuts
