"""Seen in session 21: two rows of one workload showed different tokens per sequence in their memory lines (1,550 and
1,375 for 1,200 in / 350 out) with nothing to say why: the second engine (vLLM) admits a sequence at its input + half
its output, TensorRT-LLM at the whole request."""

from __future__ import annotations

import re

from advisor import api
from advisor.cli import main
from advisor.common import fmt


def test_a_memory_line_says_why_a_sequence_holds_fewer_tokens_than_its_request(capsys):
    w = api.preset("steady-latency")
    assert main(["recommend", "--preset", "steady-latency", "--details", "4"]) == 0
    out = re.sub(r"\s+", " ", capsys.readouterr().out)
    half = int(w.input_tokens + w.output_tokens / 2)
    seen = re.findall(r"engine (\w+), layout .*? in flight at peak x ([\d,]+) tokens(: input \+ half the output, as (\w+) admits them)?\)", out)
    assert {int(t.replace(",", "")) for _, t, _, _ in seen} == {half, w.input_tokens + w.output_tokens}, seen
    for engine, tokens, why, named in seen:
        assert bool(why) == (int(tokens.replace(",", "")) == half), (engine, tokens)
        assert not why or named == engine


def test_admitted_is_said_only_for_the_mean_context():
    assert fmt.admitted(1375, 1200, 350, "vllm") == ": input + half the output, as vllm admits them"
    assert fmt.admitted(1550, 1200, 350, "trtllm") == ""
    assert fmt.admitted(None, 1200, 350, "vllm") == "" and fmt.admitted(1375, 1200, 350, None) == ""
