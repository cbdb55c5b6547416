"""The text of the ranking's model and "where" cells, cut to the width the table gives them (plain text, no
Textual): the wide table's two columns (``model_cell``, ``where_cell``) and the narrow table's one (``CompactCells``)."""

from __future__ import annotations

import re

from advisor.common import fmt
from advisor.domain.quality import mode_name
from advisor.domain.recommendation import Candidate
from advisor.tui.widgets.names import alike, cut as _cut, distinct_cuts


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


NAME_MIN = 9
"""In the narrow table's one column a model id keeps at least this much (``dee…flash``, ``gpt-…120b``, ``llama-4-…``):
the 5 it kept before read ``dee…f``, ``gpt…1``, ``lla…s``, too few to tell a model by. Where the
configuration then does not fit, its end is cut with a sign (the detail line under the table and the breakdown have
it whole, and so has the "where" column, scrolled to)."""
NARROW_MIN = 20
"""The narrow table's model column never gets less than this (it scrolls instead)."""
THINK_MARK = "*"
"""The narrow table's sign for a thinking row (``gpt-oss-120b*``), one character where the wide table has the tag
``think``: the tag took the room of the id (``qwe…23 API fireworks think``) or was dropped, so a model's two modes
read alike. The header says what it means; a no-think row has no sign."""
PRECISION_SHORT = {"mxfp4-experts": "mxfp4e"}
"""Precisions shortened in the narrow table (``mxfp4-experts`` is most of a 24-column cell)."""


def where_short(c: Candidate, gpu: str | None = None) -> str:
    """``1×1 h100-sxm fp8`` (replicas × GPUs, GPU, precision; ``mxfp4-experts`` as ``mxfp4e``) or ``API openrouter``:
    where the row runs, short; ``gpu``: the GPU's name as the table shortens it."""
    if c.deployment == "api":
        return f"API {c.provider}"
    count = _gpus(c).rsplit(" ", 1)[0].replace(" × ", "×")
    return f"{count} {gpu or c.gpu} {PRECISION_SHORT.get(c.precision, c.precision)}"


def gpu_short(gpu: str) -> str:
    """A GPU's name in the narrow table: ``h100`` (SXM, the form factor unless another is named: ``h100-pcie`` stays),
    ``4090`` and ``pro6000`` (RTX), ``a100-80`` (GB left out)."""
    if gpu.endswith("-sxm"):
        gpu = gpu[:-4]
    if gpu.startswith("rtx-"):
        gpu = gpu[4:].replace("pro-", "pro")
    return gpu[:-2] if gpu.endswith("gb") and gpu[-3:-2].isdigit() else gpu


def narrow_label(cands, width: int) -> str:
    """The narrow column's header: ``model · where``, saying what the thinking sign means where a row has it."""
    if any(c.mode == "reasoning" for c in cands) and width >= len(label := f"model · where ({THINK_MARK}think)"):
        return label
    return "model · where"


class CompactCells:
    """Model and where it runs in one cell of ``width`` characters, for a table too narrow for both columns (beside
    the questions at 80 columns), laid out once for the whole table so that its rows read alike:

    - the separator is `` · `` where every row fits whole with it, else one space in every row (it was `` · `` in one
      row and a space in the next, ``phi-4 · 1×1 rtx-4090 fp8`` over ``phi-4 1×2 rtx-4090 bf16``);
    - a model reads the same in every row: its id is cut to the room its longest configuration leaves, at least
      ``NAME_MIN``, two models never cut alike (``distinct_cuts``); a thinking row adds ``THINK_MARK``;
    - the configuration is short (``where_short``; ``h100-sxm`` as ``h100`` where no other ``h100`` is in the table),
      and the provider follows it only where it fits whole (an API row's provider is where it runs: kept, cut with a
      sign); where the id at ``NAME_MIN`` leaves too little, the configuration's end is cut with a sign.

    ``phi-4 · 1×1 h100 fp8 · runpod``; ``dee…flash 0-1×1 mi350x…``, ``gpt-…120b* 0-1×1 h200 mxfp4e``."""

    def __init__(self, cands, width: int) -> None:
        cands = list(cands)
        self.width = width
        gpus = {c.gpu for c in cands if c.gpu}
        short = {g: gpu_short(g) for g in gpus}
        self._gpu = {g: a if list(short.values()).count(a) == 1 and (a == g or a not in gpus) else g for g, a in short.items()}
        thinks = {c.model for c in cands if c.mode == "reasoning"}
        whole = all(len(c.model) + len(self._mark(c)) + 3 + len(self.config(c)) <= width for c in cands)
        self.sep = " · " if whole else " "
        rooms: dict[str, int] = {}
        for c in cands:
            room = width - len(self.sep) - len(self.config(c)) - (len(THINK_MARK) if c.model in thinks else 0)
            rooms[c.model] = min(rooms.get(c.model, 1 << 30), room)
        cap = max(1, width - len(self.sep) - len(THINK_MARK) - 1)  # a narrow cell still shows the start of where
        self._rooms = {m: min(cap, max(NAME_MIN, r)) for m, r in rooms.items()}
        self.names = self._cuts(set(rooms))

    def _cuts(self, everyone: set[str]) -> dict[str, str]:
        """Each model's id in its room; where ids cut to different rooms still read alike, both at the lesser room."""
        memo: dict[int, dict[str, str]] = {}

        def at(room: int) -> dict[str, str]:
            return memo[room] if room in memo else memo.setdefault(room, distinct_cuts(everyone, room))

        names = {m: m if len(m) <= r else at(r)[m] for m, r in self._rooms.items()}
        for _ in range(3):
            if not (same := alike(names)):
                break
            for ms in same:
                room = min(self._rooms[m] for m in ms)
                names.update({m: at(room)[m] for m in ms})
        return names

    @staticmethod
    def _mark(c: Candidate) -> str:
        return THINK_MARK if c.mode == "reasoning" else ""

    def config(self, c: Candidate) -> str:
        return where_short(c, self._gpu.get(c.gpu or ""))

    def cell(self, c: Candidate) -> str:
        name = self.names.get(c.model) or _cut(c.model, NAME_MIN)
        name += self._mark(c)
        rest = self.width - len(name) - len(self.sep)
        config = self.config(c)
        if c.deployment != "api" and len(config) + 3 + len(c.provider) <= rest:
            config += f" · {c.provider}"
        return f"{name}{self.sep}{_cut(config, rest)}" if rest > 0 else _cut(name, self.width)


def compact_cell(c: Candidate, width: int) -> str:
    """``c``'s narrow cell as a table of that row alone would show it (``CompactCells``)."""
    return CompactCells([c], width).cell(c)


def model_cuts(cands, width: int = MODEL_WIDTH) -> dict[tuple[str, int], str]:
    """Distinct short ids for the models in ``cands``, per room left beside the mode tag (``model_cell``)."""
    rooms: dict[int, set[str]] = {}
    for c in cands:
        tag = MODE_TAGS.get(c.mode or "", c.mode or "")
        rooms.setdefault(width - len(tag) - 1 if tag else width, set()).add(c.model)
    everyone = {c.model for c in cands}
    return {(n, room): cut for room in rooms for n, cut in distinct_cuts(everyone, room).items()}
