"""Quality figures beyond one score per model: reasoning modes and measured quantization deltas (frozen, headless)."""

from __future__ import annotations

from dataclasses import dataclass

MODES = ("reasoning", "non-reasoning")
"""How a model answers: with a reasoning (thinking) phase before the visible answer, or without."""
MODE_NAMES = {"reasoning": "thinking", "non-reasoning": "no thinking"}
"""How a row of a model ranked once per answering mode is named wherever it is shown (``Candidate.mode`` holds the
mode ids): labels, tables and reasons say the same words."""


def mode_name(mode: str | None) -> str:
    """``thinking`` / ``no thinking`` for a mode id; the id itself for another; "" for none."""
    return MODE_NAMES.get(mode or "", mode or "")


QUANT_PRECISIONS = ("fp8", "int8", "int4", "nvfp4", "mxfp4", "mxfp4-experts")
"""Precisions a quantization entry may describe (``int4`` covers AWQ and GPTQ W4A16 checkpoints)."""


@dataclass(frozen=True)
class ModeQuality:
    """One answering mode of a model: its score and the output tokens it generates per visible answer token."""

    model: str
    mode: str
    benchmark: str
    score: float
    source: str
    as_of: str
    output_multiplier: float | None = None
    """Generated tokens (reasoning + answer) per visible answer token; 1 for a non-reasoning mode. None: not
    measured, and the mode cannot be costed."""
    multiplier_source: str = ""
    multiplier_as_of: str = ""
    label: str = ""
    """How the publisher names the mode (``Think-High``, ``thinking``, ``high effort``)."""
    notes: str = ""


@dataclass(frozen=True)
class QuantizationDelta:
    """A published measurement of a quantized checkpoint against its unquantized (or native) baseline."""

    id: str
    checkpoint: str
    """The checkpoint measured, as its publisher names it."""
    precision: str
    architecture: str
    """``moe`` or ``dense``."""
    benchmark: str
    source: str
    as_of: str
    applies_to: tuple[str, ...] = ()
    """Catalog model ids the figure is used for (empty: evidence only, used for the unmeasured rule)."""
    method: str = ""
    baseline_score: float | None = None
    quantized_score: float | None = None
    recovery: float | None = None
    """quantized / baseline as the source states it, when it gives no scores."""
    native: bool = False
    """The published scores are of this very checkpoint (the model ships in this precision): delta 0."""
    notes: str = ""

    @property
    def ratio(self) -> float:
        """quantized / baseline (1.0 for a native checkpoint)."""
        if self.native:
            return 1.0
        if self.recovery is not None:
            return self.recovery
        return float(self.quantized_score) / float(self.baseline_score)  # type: ignore[arg-type]
