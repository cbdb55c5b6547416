"""The text of the ranking's model and "where" cells, cut to the width the table gives them (plain text, no
Textual): the wide table's two columns (``model_cell``, ``where_cell``) and the narrow table's one (``compact_cell``)."""

from __future__ import annotations

import re

from advisor.common import fmt
from advisor.domain.quality import mode_name
from advisor.domain.recommendation import Candidate
from advisor.tui.widgets.names import cut as _cut, distinct_cuts


MODEL_WIDTH = 17
"""Model ids longer than this are shortened (the breakdown has the full name)."""
MODEL_MIN = 15
"""The model column never gets less than this when it shares the width with "where"."""
NAME_ROOM = 11
"""Beside a mode tag (``no-think``) the id keeps at least this much of the model column (``deeps…flash no-think``),
"where" giving way (its provider, then the end of its configuration, each cut with a sign): a 15-column cell left the
id 6 characters beside its tag (``…flash no-think``, ``dee…f… no-think``), too few to tell a model by."""


def _gpus(c: Candidate) -> str:
    """``R × G gpu`` (replicas × GPUs per replica; peak replicas when the count follows the traffic)."""
    if c.deployment == "api":
        return "-"
    reps = c.replicas_peak if c.replicas_peak is not None else c.replicas
    text = fmt.replicas_gpus(reps, c.gpus, c.gpu)
    if c.replicas_min is not None and c.replicas_min != reps:
        text = f"{c.replicas_min}-" + text
    return text


MODE_TAGS = {"reasoning": "think", "non-reasoning": "no-think"}
"""The same, short enough for the model column."""


def mode_text(c: Candidate) -> str:
    """``thinking ×5.65`` (the generated tokens per visible one), ``no thinking``, or "" without modes."""
    if not c.mode:
        return ""
    mult = c.output_multiplier or 1.0
    return mode_name(c.mode) + (f" ×{mult:g}" if mult != 1.0 else "")


def where(c: Candidate) -> str:
    """What tells two rows of one model apart: the API provider, or replicas × GPUs, precision and provider, and
    the answering mode where the model is ranked once per mode."""
    return where_cell(c) + (f" · {mode_text(c)}" if c.mode else "")


def natural_key(text: str) -> tuple:
    """``text`` sorted as read, A-Z, its numbers by value (``1 × 2`` before ``1 × 10``, ``h100`` before ``h200``,
    digits before letters): sorted by "where" the rows follow the text the column shows (they went by GPU count and
    name, ``… fp8``, ``… bf16``, ``… mxfp4-…``, ``… fp8``, read as unsorted)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in _PARTS.findall(text.casefold()))


_PARTS = re.compile(r"\d+|\D+")


def where_cell(c: Candidate, width: int | None = None) -> str:
    """``where`` in the table: the answering mode is left out (the model column's tag says it). In ``width``
    characters: the provider's name cut first, with a sign (the configuration is what tells two rows of one model
    apart; the detail line under the table and the breakdown have it whole)."""
    if c.deployment == "api":
        return _cut(f"API · {c.provider}", width or 10**6)
    if width is None:
        return f"{_gpus(c)} {c.precision} · {c.provider}"
    config = f"{_gpus(c)} {c.precision}"
    if len(config) == width:  # a sign even where the configuration alone fits: the provider is left out
        return _cut(config + " ", width)
    return _with_provider(config, c.provider, width)


def _with_provider(config: str, provider: str, width: int) -> str:
    """``config · provider`` in ``width`` characters: the provider cut first, with a sign."""
    if len(config) + 3 + len(provider) <= width:
        return f"{config} · {provider}"
    if len(config) + 5 <= width:
        return f"{config} · {_cut(provider, width - len(config) - 3)}"
    if len(config) < width:  # the provider left out, with a sign
        return f"{config} …" if len(config) + 2 <= width else f"{config}…"
    return _cut(config, width)


def model_cell(c: Candidate, width: int = MODEL_WIDTH, cuts: dict[tuple[str, int], str] | None = None) -> str:
    """The model id in ``width`` characters, its mode tag kept whole (``deepseek-r1 think``); ``cuts`` (from
    ``model_cuts``) shortens the ids so that two models never look alike."""
    tag = MODE_TAGS.get(c.mode or "", c.mode or "")
    room = width - len(tag) - 1 if tag else width
    name = (cuts or {}).get((c.model, room)) or _cut(c.model, room)
    return f"{name} {tag}" if tag else name


NAME_MIN = 5
"""In the narrow table's one column a model id keeps at least its first 4 characters and a sign."""
NARROW_MIN = 20
"""The narrow table's model column never gets less than this (it scrolls instead)."""


def where_short(c: Candidate) -> str:
    """``1×1 h100-sxm fp8`` (replicas × GPUs, GPU, precision) or ``API openrouter``: where the row runs, short."""
    if c.deployment == "api":
        return f"API {c.provider}"
    return f"{_gpus(c).replace(' × ', '×')} {c.precision}"


def _name_room(c: Candidate, width: int) -> int:
    """What the model id gets in ``compact_cell``: what the rest leaves of ``width`` (the mode tag left out when
    it would leave less than ``NAME_MIN``), at least ``NAME_MIN``."""
    tag = MODE_TAGS.get(c.mode or "", c.mode or "")
    room = width - 3 - len(where_short(c))
    return room - len(tag) - 1 if tag and room - len(tag) - 1 >= NAME_MIN else max(NAME_MIN, room)


def compact_cell(c: Candidate, width: int, names: set[str] | None = None, memo: dict | None = None, rooms: dict | None = None) -> str:
    """Model and where it runs in one cell of ``width`` characters, for a table too narrow for both columns
    (beside the questions at 80 columns): ``phi-4 · 1×1 h100-sxm fp8 · runpod``, ``gpt-oss-120b · API groq
    think`` (the mode tag takes the provider's place). What tells rows of one model apart (GPUs, precision) is
    kept: cut first is the provider, then the model id (its start kept, to ``NAME_MIN``; the mode tag, which
    tells a model's thinking rows from its others, stays while the id keeps that much), then the tag, then the
    `` · `` (one space), and only then the end, each with a sign. The detail line under the table and the
    breakdown have it whole. ``names``: the table's model ids, none cut like another (``distinct_cuts``: ``de…v3``,
    ``de…r1``, not ``deep…`` twice); ``memo`` keeps the cuts per room; ``rooms``: ``api_rooms`` (``gem…27b`` twice, not once as ``gemma-3…``)."""
    tag = MODE_TAGS.get(c.mode or "", c.mode or "")
    short = where_short(c) + (f" {tag}" if tag else "")
    if len(c.model) + 3 + len(short) <= width:
        if tag or c.deployment == "api":
            return f"{c.model} · {short}"
        return f"{c.model} · {_with_provider(short, c.provider, width - len(c.model) - 3)}"
    short, room = where_short(c), ((rooms or {}).get(c.model, 0) if c.deployment == "api" else 0) or _name_room(c, width)
    if names is not None and len(c.model) > room:
        cuts = memo.get(room) if memo is not None else None
        if cuts is None:
            cuts = distinct_cuts(names, room)
            if memo is not None:
                memo[room] = cuts
        name = cuts[c.model]
    else:
        name = _cut(c.model, room)
    keep_tag = tag and len(name) + len(tag) + 4 + len(short) <= width
    return _cut(f"{name}{' · ' if len(name) + 3 + len(short) <= width else ' '}{short}" + (f" {tag}" if keep_tag else ""),
                width)


def api_rooms(cands, width: int) -> dict[str, int]:
    """Each model's room in its API rows' ``compact_cell``: the least any leaves (only the providers' names differ)."""
    rooms: dict[str, int] = {}
    for c in (c for c in cands if c.deployment == "api"):
        rooms[c.model] = min(rooms.get(c.model, 1 << 30), _name_room(c, width))
    return rooms


def model_cuts(cands, width: int = MODEL_WIDTH) -> dict[tuple[str, int], str]:
    """Distinct short ids for the models in ``cands``, per room left beside the mode tag (``model_cell``)."""
    rooms: dict[int, set[str]] = {}
    for c in cands:
        tag = MODE_TAGS.get(c.mode or "", c.mode or "")
        rooms.setdefault(width - len(tag) - 1 if tag else width, set()).add(c.model)
    everyone = {c.model for c in cands}
    return {(n, room): cut for room in rooms for n, cut in distinct_cuts(everyone, room).items()}
