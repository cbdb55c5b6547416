"""Text that fits a few lines and says when there is more (never a sentence cut off without a sign)."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class ClampedText(Widget):
    """``ClampedText(more="enter: all of it")``; ``update(text)``. Wraps to the widget's width and shows at
    most ``max-height`` lines (from CSS); when the text is longer, the last line says how much is hidden."""

    DEFAULT_CSS = """
    ClampedText {
        height: auto;
    }
    ClampedText > .clamped--more {
        color: $text-muted;
        text-style: italic;
    }
    """
    COMPONENT_CLASSES = {"clamped--more"}

    def __init__(self, text: Text | str = "", *, more: str = "", id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._text = Text(text) if isinstance(text, str) else text
        self.more = more
        self.hidden_lines = 0
        """Lines left out at the current size (tests read it)."""

    @property
    def text(self) -> Text:
        return self._text

    def update(self, text: Text | str) -> None:
        self._text = Text(text) if isinstance(text, str) else text
        self.refresh(layout=True)

    def _max_lines(self) -> int | None:
        limit = self.styles.max_height
        if limit is None or not limit.is_cells:
            return None
        return max(1, int(limit.value) - self.styles.gutter.height)

    def _lines(self, width: int) -> list[Text]:
        lines = list(self._text.wrap(self.app.console, max(1, width), overflow="fold"))
        limit = self._max_lines()
        self.hidden_lines = 0
        if limit == 1 and len(lines) > 1:  # one line: the start of the text, cut with a sign
            self.hidden_lines = len(lines) - 1
            first = lines[0]
            first.truncate(max(1, width - 1))
            return [first + Text("…", style=self.get_component_rich_style("clamped--more"))]
        if limit is not None and len(lines) > limit:
            keep = lines[: limit - 1]
            self.hidden_lines = len(lines) - len(keep)
            note = f"… {self.hidden_lines} more line{'s' if self.hidden_lines != 1 else ''}"
            note += f" ({self.more})" if self.more else ""
            keep.append(Text(note[:width], style=self.get_component_rich_style("clamped--more")))
            lines = keep
        return lines

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Text:
        return Text("\n").join(self._lines(self.content_region.width or self.size.width))
