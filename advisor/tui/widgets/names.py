"""Model ids shortened for a table column: the start kept (it names the family), and where two ids would read alike,
the part that tells them apart. No Textual here: the cuts are plain text."""

from __future__ import annotations

import os

HEAD_MIN = 3
"""A shortened id keeps at least its first 3 characters (``dee…``, ``qwe…``), whatever else is cut."""


def cut(text: str, width: int) -> str:
    """``text`` in ``width`` characters, its end cut with a sign, never inside a number: ``qwen2.5-72b`` is
    ``qwen2.5-…``, not ``qwen2.5-7…`` (a 7B model's name), unless that would leave less than ``HEAD_MIN``."""
    if len(text) <= width:
        return text
    k = j = max(0, width - 1)
    if 0 < j < len(text) and _in_number(text, j):
        while j > HEAD_MIN and _in_number(text, j - 1):
            j -= 1
        if _in_number(text, j - 1):
            j = k  # the number starts the id: cut it as it falls
    return text[:j] + "…"


def _in_number(text: str, i: int) -> bool:
    """Whether ``text[i]`` is part of a number: a digit, or a point between two digits (``2.5``)."""
    ch = text[i]
    return ch.isdigit() or (ch == "." and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit())


def _middle(name: str, shared: int, width: int, ends: bool = True, numbers: bool = True) -> str:
    """``name`` in ``width`` characters: its start, a sign, and the part after the ``shared`` prefix (what tells it
    from the ids it would read alike), or where that does not fit the longest end of it that starts a word
    (``deep…flash``), else that part cut at its own end (``dee…v4-fl…``)."""
    while numbers and 0 < shared <= len(name) and _in_number(name, shared - 1):
        shared -= 1  # the part that differs starts with its whole number: ``…72b``, not ``…2b`` (nor ``…b`` for ``-7b``)
    tail = name[shared:]
    head = width - 1 - len(tail)
    while numbers and head > HEAD_MIN and _in_number(name, head) and _in_number(name, head - 1):
        head -= 1  # nor is the start cut inside a number: ``qwen…72b``, not ``qwen2…72b``
    if head >= HEAD_MIN:
        return name[:head] + "…" + tail
    for i, ch in enumerate(tail if ends else ""):  # else its longest end that starts a word (``flash`` of ``v4-flash``) and fits
        if ch in "-." and not _in_number(tail, i) and len(tail) - i - 1 <= width - 1 - HEAD_MIN and i + 1 < len(tail):
            end = tail[i + 1:]
            return name[:width - 1 - len(end)] + "…" + end
    head = min(HEAD_MIN, max(1, width - 2))  # the start, then as much of the part that differs as fits
    rest = width - head - 1
    return name[:head] + "…" + tail[:rest]  # one sign, not two: ``dee…v4-f`` tells flash from pro, ``dee…v4-…`` did not


def distinct_cuts(names: set[str], width: int) -> dict[str, str]:
    """Each id in ``width`` characters, two different ids never shortened alike where the width allows it.

    An id is cut at its end (``llama-4-mave…``), keeping its start; ids that would read alike keep their start and
    the part after the prefix they share (``deepseek-v4-flash``/``-pro`` at 10: ``deep…flash``/``deeps…-pro``).
    Only the ids that collide are cut that way; the others keep their end cut."""
    cuts = {n: cut(n, width) for n in names}
    for attempt in range(3):
        if not (same_cuts := alike(cuts)):
            break
        for same in same_cuts:
            shared = len(os.path.commonprefix(same))
            for n in same:  # ends that still clash: the differing start; then, very narrow, even inside a number
                cuts[n] = _middle(n, shared, width, ends=attempt == 0, numbers=attempt < 2)
    for n in sorted(cuts):  # a cut another cut id reads as too: ``qwen3-…`` of qwen3-235b-a22b beside ``qwen3-30…``
        if others := readers(n, cuts[n], cuts):
            shared = max(len(os.path.commonprefix([n, o])) for o in others)
            shared = shared if shared < len(n) else n.rfind("-") + 1  # a start of the others: its last word as its end
            tries = [t for t in {_middle(n, shared, width), _middle(n, shared, width, ends=False)}
                     if len(t) <= width and t not in cuts.values()]
            if best := min(tries, key=lambda t: (len(readers(n, t, cuts)), t), default=None):
                cuts[n] = best if len(readers(n, best, cuts)) < len(others) else cuts[n]
    return cuts


def readers(name: str, short: str, cuts: dict[str, str]) -> set[str]:
    """The other cut ids in ``cuts`` that ``short`` (``name``'s cut) could also stand for: its start and its end."""
    head, sign, tail = short.partition("…")
    return {n for n, s in cuts.items() if n != name and s != n and n.startswith(head) and n.endswith(tail)} if sign else set()


def alike(cuts: dict[str, str]) -> list[list[str]]:
    """The groups of ids that ``cuts`` shortens alike (two or more ids each)."""
    groups: dict[str, list[str]] = {}
    for name, short in cuts.items():
        groups.setdefault(short, []).append(name)
    return [g for g in groups.values() if len(g) > 1]
