"""The questions: a form for every Workload field the advisor asks about, each with a placeholder, a
one-line hint and, when the value is invalid, the reason under the field."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from advisor.tui import services
from advisor.tui.widgets.choice import Choice
from advisor.tui.widgets.field_input import FieldInput
from advisor.domain.workload import FINE_TUNING, LATENCY, SELF_HOSTING, SHAPES, Workload


@dataclass(frozen=True)
class FieldSpec:
    name: str
    """Workload field."""
    label: str
    hint: str
    placeholder: str = ""
    options: tuple[str, ...] = ()
    """Choices (a Choice widget); empty = free text."""
    section: str = ""
    mode: str = ""
    """``interactive`` or ``batch``: only shown for that latency mode; ``tuned``: only with a fine-tuning plan (a
    plan of none bills no runs, and a preset's volume left on screen read as billed: trial 32)."""


def _fields() -> tuple[FieldSpec, ...]:
    # Hints fit on one line of the form at 120 columns (41 characters), except the precision list.
    precisions = " ".join(services.precision_names())
    return (
        FieldSpec("requests_per_day", "Requests a day", "Mean per day; capacity covers the peak.", "e.g. 40000",
                  section="Traffic"),
        FieldSpec("input_tokens", "Input tokens", "Mean prompt tokens, history included.", "e.g. 1200", section="Traffic"),
        FieldSpec("output_tokens", "Output tokens", "Mean generated tokens per request.", "e.g. 350", section="Traffic"),
        FieldSpec("cached_input_fraction", "Cached share", "Prompt share found in the prefix cache; 0-1.", "e.g. 0.5",
                  section="Traffic"),
        # The shape only gives Peak-to-mean's default: a preset's steady day can peak at 1.5x.
        FieldSpec("traffic_shape", "Traffic shape", "Default Peak-to-mean: " + ", ".join(f"{k} {v:g}x" for k, v in SHAPES.items())
                  + ".", options=tuple(SHAPES), section="Traffic"),
        FieldSpec("peak_to_mean", "Peak-to-mean", "Peak over mean (1 = flat); overrides the shape's default.", "e.g. 2.5",
                  section="Traffic"),
        FieldSpec("days_per_week", "Days a week", "Days with traffic a week; 5 = weekdays.", "e.g. 5",
                  section="Traffic"),
        FieldSpec("latency", "Mode", "Interactive targets, or a batch deadline.", options=LATENCY, section="Latency"),
        FieldSpec("ttft_ms", "TTFT (ms)", "At the peak: the mean, unless TTFT at says.", "e.g. 1000", section="Latency",
                  mode="interactive"),
        FieldSpec("ttft_percentile", "TTFT at", "The mean, or a percentile (p95: an SLO's).", options=("mean", "p90", "p95", "p99"),
                  section="Latency", mode="interactive"),
        FieldSpec("output_tokens_per_s_per_user", "Tok/s per user", "Tokens/s each user sees (TPOT = 1000/this).",
                  "e.g. 25", section="Latency", mode="interactive"),
        FieldSpec("deadline_hours", "Deadline (h)", "Hours: a day's volume must finish within this.", "e.g. 24",
                  section="Latency", mode="batch"),
        FieldSpec("fine_tuning", "Plan", "light = LoRA; heavy = full fine-tunes.", options=FINE_TUNING,
                  section="Fine-tuning"),
        FieldSpec("fine_tune_tokens", "Tokens a run", "Training tokens per run; 0 = runs not costed.", "e.g. 50000000",
                  section="Fine-tuning", mode="tuned"),
        FieldSpec("fine_tunes_per_month", "Runs a month", "Fine-tuning runs billed each month.", "e.g. 2",
                  section="Fine-tuning", mode="tuned"),
        FieldSpec("context_typical_tokens", "Usual context", "Typical tokens, for summaries; KV uses input+output.", "e.g. 2000",
                  section="Context"),
        FieldSpec("context_max_tokens", "Max context", "Longest sequence to accept (tokens).", "e.g. 16384",
                  section="Context"),
        FieldSpec("min_quality", "Quality floor", "MMLU-Pro score to reach; 0 = no floor.", "0-100", section="Constraints"),
        FieldSpec("self_hosting", "Self-hosting", "required, allowed, or not-wanted (APIs).", options=SELF_HOSTING,
                  section="Constraints"),
        FieldSpec("precisions", "Precisions", f"Allowed (and 4-bit native checkpoints): {precisions}.", "bf16, fp8", section="Constraints"),
        FieldSpec("providers", "Providers", "Comma list (runpod, …); empty = all.", "all", section="Constraints"),
        FieldSpec("gpu_types", "GPU types", "Comma list (h100-sxm, …); empty = all.", "all", section="Constraints"),
        FieldSpec("max_gpus", "GPU limit", "Most GPUs in one replica.", "e.g. 8", section="Constraints"),
        FieldSpec("min_replicas", "Min replicas", "Always running (interactive); 0 = off when idle.", "e.g. 2",
                  section="Constraints", mode="interactive"),
        FieldSpec("spare_replicas", "Spare replicas", "Beyond the load's need; 1 = N+1 redundancy.", "e.g. 1",
                  section="Constraints", mode="interactive"),
        FieldSpec("pricing", "Price kinds", "on-demand, spot, reserved, serverless; empty = default.", "default",
                  section="Constraints"),
    )


FIELDS = _fields()


def hidden_fields(values: dict[str, str]) -> list[str]:
    """The fields hidden for these answers (``FieldSpec.mode``): the latency mode not chosen, and the runs' volume
    under a plan of none. ``services.build_workload`` reads them from the base workload: a hidden field's text, even
    one refused, neither counts nor blocks the ranking (review of trial 32)."""
    latency, plan = values.get("latency", ""), values.get("fine_tuning", "")
    return [f.name for f in FIELDS if (f.mode in ("interactive", "batch") and latency and f.mode != latency)
            or (f.mode == "tuned" and plan == "none")]
SPECS = {f.name: f for f in FIELDS}
LABELS = {f.name: f.label for f in FIELDS}


def _options_with(spec: FieldSpec, value: str) -> tuple[str, ...]:
    """A choice's options, and a percentile a workload file gave (``p97.5``) in its place among them: ← → step from it to
    its neighbours, not to the first option (user trial 23)."""
    if spec.name != "ttft_percentile" or value in spec.options or not value.startswith("p"):
        return spec.options
    try:
        at = float(value[1:])
    except ValueError:
        return spec.options
    return tuple(sorted((*spec.options, value), key=lambda o: 0.0 if o == "mean" else float(o[1:]) if o != value else at))
EXCLUSIVE_ZERO = ("output_tokens_per_s_per_user", "deadline_hours", "ttft_ms")
"""Fields whose lower bound 0 is itself refused."""


def field_label(name: str) -> str:
    """The name a user sees for a Workload field: ``max_gpus`` -> ``GPU limit``."""
    return LABELS.get(name, name.replace("_", " "))


def user_text(message: str, field: str | None = None) -> str:
    """A validation message with the form's names instead of the Workload's (``exceeds Max context``),
    and a range that says when its lower end is refused (``must be above 0 and at most 10,000``)."""
    import re

    for name in sorted(LABELS, key=len, reverse=True):
        message = re.sub(rf"\b{name}\b", f"'{LABELS[name]}'", message)
    if field in EXCLUSIVE_ZERO:
        message = re.sub(r"must be between 0 and ([0-9][0-9,.e+]*)", r"must be above 0 and at most \1", message)
    return message


def preset_description(w: Workload) -> str:
    """The preset's one-line description, without the seed it came from; and where the workload has an hourly profile
    (a workload file's, which the form has no field for), that it sets the day, not the Traffic shape (trial 39: a
    "steady" shape shown beside office hours that decided the bill)."""
    text = w.description.split(" (seed")[0].strip() or ("your own answers" if w.name == "custom" else "")
    if w.hourly_profile and sum(w.hourly_profile) > 0:
        busy = max(w.hourly_profile) * 24 / sum(w.hourly_profile)
        quiet = sum(1 for x in w.hourly_profile if x <= 0)
        text += (("; " if text else "") + f"the file's hourly profile sets the day (busiest hour {busy:.1f}x the mean"
                 + (f", {quiet} h without traffic" if quiet else "") + "): Traffic shape is not used")
    return text
EDITED = " (edited)"
"""A Preset choice that brings back the answers a preset replaced: ``steady-latency (edited)``, after its preset; a
workload that came from no preset (a file, ``--from``) is kept as ``CUSTOM``, first (``WorkloadForm.load``)."""
CUSTOM = "custom"
FIRST_SECTIONS = ("Traffic", "Latency")
"""Composed with the screen; the other sections are mounted by ``mount_rest``."""
REST_AFTER_S = 0.5
"""The other sections are mounted when the app asks (once the first ranking is on screen), or this long after the
form is mounted, whichever comes first."""
FIELD_NAMES = tuple(f.name for f in FIELDS)


class LaterSections(Vertical):
    """The sections mounted by ``mount_rest``, kept out of the focus chain until they are laid out: Textual orders
    the chain by position, and a widget not laid out yet sits at the top, so a Tab pressed in that moment (just
    as the first ranking shows) jumped from the preset to the first later field."""

    DEFAULT_CSS = "LaterSections { height: auto; }"

    def allow_focus_children(self) -> bool:
        return self.size.height > 0 and super().allow_focus_children()


class WorkloadForm(VerticalScroll):
    """Every question, grouped by topic. Posts ``WorkloadForm.Changed`` with the text of every field."""

    class Changed(Message):
        """The user changed a field (or a preset was loaded)."""

        def __init__(self, form: WorkloadForm, values: dict[str, str], field: str | None) -> None:
            super().__init__()
            self.form = form
            self.values = values
            self.field = field

        @property
        def control(self) -> WorkloadForm:
            return self.form

    class Ready(Message):
        """Every field is mounted: the form can be ranked."""

        def __init__(self, form: WorkloadForm) -> None:
            super().__init__()
            self.form = form

    class PresetChosen(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, workload: Workload, *, cursor_blink: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self.base = workload
        self._cursor_blink = cursor_blink
        self._errors: dict[str, str] = {}
        self._controls: dict[str, Widget] = {}
        """Field name -> its Input or Choice, as composed: read on every keystroke, so never a DOM query."""
        self.complete = False
        """Every field is mounted."""
        self._rest_asked = False
        self._kept: dict[str, tuple[Workload, dict[str, str]]] = {}
        """Preset choice (``<preset> (edited)`` or ``CUSTOM``) -> the workload and answers it brings back (``_keep``)."""
        presets = services.presets()
        self._shown = workload.name if workload.name in presets else ""
        """The Preset field's choice the fields were last filled from (a preset, a kept choice, or "")."""
        if self._shown and not services.same_as(workload, presets[self._shown]):
            self._shown += EDITED  # opened on a preset that flags changed (`moe-advisor --preset X --min-replicas 2`)
            self._kept[self._shown] = (workload, services.form_values(workload, FIELD_NAMES))

    def compose(self) -> ComposeResult:
        # Per field: one row (label | control) and the hint under it. The first sections are composed
        # now; the rest is mounted later (mount_rest), so the screen and the first ranking appear sooner.
        yield Horizontal(Label("Preset", classes="field-label preset-label"),
                         Choice([x for name in services.presets() for x in (name, name + EDITED) if x == name or x in self._kept],
                                self._shown, placeholder="custom", id="preset"),
                         classes="field-row")
        yield Static(self._preset_hint(self._described()), id="hint-preset", classes="hint")
        yield from self._field_widgets([s for s in FIELDS if s.section in FIRST_SECTIONS])

    def _field_widgets(self, specs: list[FieldSpec]) -> list[Widget]:
        values = services.form_values(self.base, FIELD_NAMES)
        out: list[Widget] = []
        section = None
        for spec in specs:
            if spec.section != section:
                section = spec.section
                out.append(Static(section, classes="section-title"))
            mode = f" mode-{spec.mode}" if spec.mode else ""
            if spec.options:
                control: Widget = Choice(_options_with(spec, values[spec.name]), values[spec.name], id=spec.name)
            else:
                # Focusing a field selects its text: typing replaces the value instead of inserting into it.
                control = FieldInput(values[spec.name], placeholder=spec.placeholder, id=spec.name, compact=True,
                                select_on_focus=True)
                control.cursor_blink = self._cursor_blink
            self._controls[spec.name] = control
            out.append(Horizontal(Label(spec.label, id=f"label-{spec.name}", classes="field-label"), control,
                                  id=f"row-{spec.name}", classes="field-row" + mode))
            out.append(Static(spec.hint, id=f"hint-{spec.name}", classes="hint" + mode))
        return out

    def on_mount(self) -> None:
        self._show_mode(self.base.latency)
        self.set_timer(REST_AFTER_S, self.mount_rest)

    def mount_rest(self) -> None:
        """Mount the sections after the first ones (once; ``Ready`` follows). The app asks once its first ranking
        is on screen: mounted while the ranking ran, they took the CPU from it and their layout made painting the
        first table three times dearer (at 120x40 they are below the fold anyway)."""
        if self._rest_asked:
            return
        self._rest_asked = True
        self.call_after_refresh(self._mount_rest)

    async def _mount_rest(self) -> None:
        await self.mount(LaterSections(*self._field_widgets([s for s in FIELDS if s.section not in FIRST_SECTIONS])))
        self._show_mode(self.base.latency)
        self.complete = True
        self.post_message(self.Ready(self))

    # ------------------------------------------------------------------ values

    def values(self) -> dict[str, str]:
        """The text of every field (fields not mounted yet read as the workload they will show)."""
        out = services.form_values(self.base, FIELD_NAMES)
        for name, widget in self._controls.items():
            if widget.is_mounted:
                out[name] = str(widget.value)
        return out

    def load(self, workload: Workload, preset: str | None = None) -> None:
        """Fill every field from ``workload`` (a preset) without a burst of change events; posts one Changed. The answers
        it replaces, where they are not a preset as loaded, stay a Preset choice away (``_keep``)."""
        if preset:
            self._keep()
        self._fill(workload, services.form_values(workload, FIELD_NAMES), preset or "")
        if preset:  # the Preset field and the description of what was loaded, in view (the palette loads from anywhere)
            self.scroll_home(animate=False)
        self.post_message(self.Changed(self, self.values(), None))

    def _keep(self) -> None:
        """Keep the answers on screen before others replace them: edits of a preset as ``<preset> (edited)`` (after it
        among the choices), a kept choice brought back (and maybe edited since) under its own name, a workload from no
        preset as ``CUSTOM``; a preset as loaded is not kept (it loads again). One set per choice: the newest."""
        current, presets = self.values(), services.presets()
        if self._shown in presets:
            if current == services.form_values(self.base, FIELD_NAMES):
                return
            label = self._shown + EDITED
        else:
            label = self._shown if self._shown in self._kept else CUSTOM
        self._kept[label] = (self.base, current)
        self._list_kept()

    def _list_kept(self) -> None:
        """The Preset field's choices: ``CUSTOM`` first where kept, then each preset followed by its edits where kept."""
        presets = services.presets()
        choice = self.query_one("#preset", Choice)
        choice.options = tuple(([CUSTOM] if CUSTOM in self._kept else []) + [
            x for name in presets for x in (name, name + EDITED) if x == name or x in self._kept])
        choice.refresh()

    def _bring_back(self, label: str) -> None:
        """The answers kept as ``label``, the ones on screen kept first (``_keep``): stepping onto a kept choice loses none."""
        self._keep()
        base, values = self._kept[label]
        self._fill(base, values, label)
        self.post_message(self.Changed(self, self.values(), None))

    def _fill(self, workload: Workload, values: dict[str, str], shown: str) -> None:
        self.base, self._shown = workload, shown
        with self.prevent(Input.Changed, Choice.Changed):
            for name, widget in self._controls.items():
                if widget.is_mounted:
                    if isinstance(widget, Choice):
                        widget.options = _options_with(SPECS[name], values[name])
                    widget.value = values[name]
                    if isinstance(widget, Input):
                        # The cursor goes to the end of the new text; a focused field has it all selected.
                        widget.cursor_position = len(widget.value)
                        if widget.has_focus:
                            widget.select_all()
            self.query_one("#preset", Choice).value = shown
        self.show_description(dataclasses.replace(workload, name="custom", description=f"edited from {workload.name}")
                              if shown.endswith(EDITED) else workload)
        self._show_mode(values.get("latency", workload.latency))

    @staticmethod
    def _preset_hint(w: Workload) -> str:
        """The description, then the keys on a line of their own: after the description, wrapping split the pair
        (``steady traffic · ←`` above ``→ another preset``) for two of the five presets at 120 columns."""
        what = preset_description(w)
        return (what + "\n" if what else "") + "← → another preset"

    def show_description(self, w: Workload) -> None:
        """The current workload's one-line description under the preset."""
        for hint in self.query("#hint-preset").results(Static):
            hint.update(self._preset_hint(w))

    def set_value(self, name: str, value: str) -> None:
        """Set one field as if the user typed it (posts Changed)."""
        self.query_one(f"#{name}").value = value

    # ------------------------------------------------------------------ errors

    def show_error(self, field: str | None, message: str) -> None:
        """Mark ``field`` invalid with the reason; every other field is cleared. The reason is scrolled into view when
        it is new and the user is at that field (or at none of the form's): a re-check of an old error while another
        field is being changed (Mode) scrolled that field out of view (trial 34)."""
        new = self._errors.get(field or "") != message
        self.clear_errors()
        if field is None or field not in FIELD_NAMES:
            return
        focused = self.screen.focused
        scroll = new and (focused is None or focused.id == field or self not in focused.ancestors)
        self._errors[field] = message
        for widget in self.query(f"#label-{field}, #{field}"):
            widget.add_class("-error")
        for hint in self.query(f"#hint-{field}").results(Static):
            hint.add_class("-error")
            hint.update(f"✗ {message}")
            if scroll:  # the status line says "the reason is under the field": under the last one it fell below the pane
                self.call_after_refresh(hint.scroll_visible, animate=False)

    def clear_errors(self) -> None:
        specs = {s.name: s for s in FIELDS}
        for field in list(self._errors):
            for widget in self.query(f"#label-{field}, #{field}"):
                widget.remove_class("-error")
            for hint in self.query(f"#hint-{field}").results(Static):
                hint.remove_class("-error")
                hint.update(specs[field].hint)
        self._errors.clear()

    @property
    def errors(self) -> dict[str, str]:
        return dict(self._errors)

    # ------------------------------------------------------------------ events

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._mark_focused(event.widget.id, True)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self._mark_focused(event.widget.id, False)

    def _mark_focused(self, name: str | None, focused: bool) -> None:
        """Small terminals hide the hints; the focused field's hint always shows."""
        if name:
            for hint in self.query(f"#hint-{name}"):
                hint.set_class(focused, "-focused")

    def _edited(self) -> dict[str, str]:
        """The answers on screen, after an edit: the Preset field says at once that they are no longer the preset's
        (``steady-latency (edited)``, the choice ``_keep`` would make on leaving), and a kept choice holds the newest."""
        current, presets = self.values(), services.presets()
        preset = self._shown.removesuffix(EDITED)
        same = (preset in presets and preset == self.base.name and current == services.form_values(presets[preset], FIELD_NAMES)
                and services.same_as(self.base, presets[preset], ignoring=FIELD_NAMES))  # flags the form has no field for
        if self._shown in presets and not same:
            self._show_choice(self._shown + EDITED, current)
        elif self._shown.endswith(EDITED) and same:  # edited back to the preset's own answers: the preset again
            self._kept.pop(self._shown, None)
            self._show_choice(preset, None)
        elif self._shown in self._kept:
            self._kept[self._shown] = (self.base, current)
        return current

    def _show_choice(self, label: str, kept: dict[str, str] | None) -> None:
        """The Preset field on ``label``: edits kept under it (``kept``), or the preset itself (None)."""
        if kept is not None:
            self._kept[label] = (self.base, kept)
        self._list_kept()
        with self.prevent(Choice.Changed):
            self.query_one("#preset", Choice).value = label
        self._shown = label
        self.show_description(self._described())

    def _described(self) -> Workload:
        """The workload the description under the Preset field tells of: the preset's own, or "edited from" it."""
        if self._shown.endswith(EDITED):
            return dataclasses.replace(self.base, name="custom", description=f"edited from {self.base.name}")
        return self.base

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self, self._edited(), event.input.id))

    @on(Choice.Changed)
    def _choice_changed(self, event: Choice.Changed) -> None:
        event.stop()
        name = event.choice.id
        if name == "preset":
            if event.value in self._kept:
                self._bring_back(str(event.value))
            elif event.value:
                self.post_message(self.PresetChosen(event.value))
            return
        if name == "traffic_shape":
            peak = services.default_peak_to_mean(str(event.value))
            if peak is not None:
                with self.prevent(Input.Changed):
                    self.query_one("#peak_to_mean", Input).value = f"{peak:g}"
        if name in ("latency", "fine_tuning"):
            self._show_mode(self.values()["latency"])
        self.post_message(self.Changed(self, self._edited(), name))

    def _show_mode(self, latency: str) -> None:
        """Interactive targets or the batch deadline, and the runs' volume only with a fine-tuning plan (a class, so the
        hint rules still apply)."""
        for box in self.query(".mode-interactive"):
            box.set_class(latency != "interactive", "-off")
        for box in self.query(".mode-batch"):
            box.set_class(latency != "batch", "-off")
        plan = self.values()["fine_tuning"]
        for box in self.query(".mode-tuned"):
            box.set_class(plan == "none", "-off")
