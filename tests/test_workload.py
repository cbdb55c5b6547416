"""Workload input: files, flags, presets and validation errors that name the field."""

from __future__ import annotations

import pytest

from advisor import api
from advisor.domain.workload import PRESETS, from_mapping
from advisor.domain.workload_file import load_workload
from advisor.errors import AdvisorError, InputError

PRESET_NAMES = ["bursty-app", "steady-latency", "batch-pipeline", "heavy-fine-tuning", "long-context"]


def test_the_five_named_presets_exist():
    assert set(PRESET_NAMES) <= set(PRESETS)
    for name in PRESET_NAMES:
        w = api.preset(name)
        assert w.name == name and w.description


def test_load_workload_from_toml(tmp_path):
    p = tmp_path / "w.toml"
    p.write_text('[workload]\npreset = "bursty-app"\nrequests_per_day = 12000\nprecisions = ["bf16", "fp8", "int4"]\n')
    w = load_workload(p)
    assert w.requests_per_day == 12000 and w.traffic_shape == "bursty" and "int4" in w.precisions


def test_tokens_per_day_sets_requests(tmp_path):
    w = from_mapping({"tokens_per_day": 13_000_000, "input_tokens": 1000, "output_tokens": 300})
    assert w.requests_per_day == pytest.approx(10_000)


def test_shape_sets_a_default_peak_to_mean():
    assert from_mapping({"traffic_shape": "bursty"}).peak_to_mean > 1
    assert from_mapping({"traffic_shape": "bursty", "peak_to_mean": 3}).peak_to_mean == 3


@pytest.mark.parametrize("data, field", [
    ({"requests_per_day": -5}, "requests_per_day"),
    ({"requests_per_day": 0}, "requests_per_day"),
    ({"requests_per_day": 1e12}, "requests_per_day"),
    ({"input_tokens": 0}, "input_tokens"),
    ({"output_tokens": "many"}, "output_tokens"),
    ({"traffic_shape": "spiky"}, "traffic_shape"),
    ({"peak_to_mean": 0.5}, "peak_to_mean"),
    ({"latency": "fast"}, "latency"),
    ({"output_tokens_per_s_per_user": 0}, "output_tokens_per_s_per_user"),
    ({"context_typical_tokens": 9000, "context_max_tokens": 8192}, "context_typical_tokens"),
    ({"input_tokens": 9000, "context_max_tokens": 8192, "context_typical_tokens": 4000}, "context_max_tokens"),
    ({"fine_tuning": "some"}, "fine_tuning"),
    ({"self_hosting": "maybe"}, "self_hosting"),
    ({"min_quality": 120}, "min_quality"),
    ({"max_gpus": 0}, "max_gpus"),
    ({"cached_input_fraction": 2}, "cached_input_fraction"),
    ({"requests_per_day": float("nan")}, "requests_per_day"),
    ({"reqests_per_day": 10}, "reqests_per_day"),
])
def test_invalid_values_name_the_field(data, field):
    with pytest.raises(InputError) as err:
        from_mapping(data, "test.toml")
    assert err.value.field == field
    assert str(err.value).startswith("test.toml: " + field)


def test_unknown_field_suggests_the_right_one():
    with pytest.raises(InputError, match="did you mean requests_per_day"):
        from_mapping({"reqests_per_day": 10})


@pytest.mark.parametrize("key, right", [("tpot_ms", "output_tokens_per_s_per_user"), ("quality_floor", "min_quality"),
                                        ("ttft_p95_ms", "ttft_ms")])
def test_serving_terms_name_the_field_that_says_it(key, right):
    with pytest.raises(InputError, match=f"give {right}"):
        from_mapping({key: 40})


def test_a_quality_floor_given_as_a_share_asks_for_the_score():
    with pytest.raises(InputError, match="did you mean 70") as err:
        from_mapping({"min_quality": 0.7})
    assert err.value.field == "min_quality"
    assert from_mapping({"min_quality": 0}).min_quality == 0 and from_mapping({"min_quality": 1.5}).min_quality == 1.5


def test_unknown_precision_lists_known_ones():
    with pytest.raises(AdvisorError, match="fp8"):
        from_mapping({"precisions": "fp9"})


@pytest.mark.parametrize("text, words", [
    ("requests_per_day = ", "malformed TOML"),
    ("requests_per_day = -3", "requests_per_day"),
    ('workload = "x"', "must be a table"),
    ("", "workload: no fields: give at least requests_per_day"),  # would rank the default workload, unseen
    ("[workload]\n", "workload: no fields"),
])
def test_bad_workload_files_are_one_line_errors(tmp_path, text, words):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(InputError) as err:
        load_workload(p)
    assert words in str(err.value) and "bad.toml" in str(err.value) and "\n" not in str(err.value)


def test_missing_workload_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_workload(tmp_path / "nope.toml")


def test_a_longer_request_raises_a_longest_context_the_caller_did_not_give():
    w = from_mapping({"input_tokens": 12_000, "output_tokens": 400})
    assert (w.context_max_tokens, w.context_typical_tokens) == (16_384, 12_400)
    w = from_mapping({"preset": "steady-latency", "input_tokens": 30_000})
    assert w.context_max_tokens == 32_768 and w.context_typical_tokens == 30_350
    # given, it is the caller's statement: a longer request is an error naming it
    with pytest.raises(InputError, match="context_max_tokens"):
        from_mapping({"input_tokens": 12_000, "context_max_tokens": 8192})


def test_an_hourly_profile_raises_a_peak_below_its_busiest_hour():
    hours = [0.0] * 6 + [1.0] * 4 + [0.0] * 14  # all the traffic in four hours: the busiest hour is 6x the mean
    w = from_mapping({"hourly_profile": hours, "requests_per_day": 20_000})
    assert w.peak_to_mean == 6.0
    assert from_mapping({"hourly_profile": hours, "peak_to_mean": 9}).peak_to_mean == 9.0  # bursts within the hour kept
    rec = api.recommend(api.workload(models=["gpt-oss-120b"], providers=["groq"], requests_per_day=20_000, input_tokens=100,
                                     output_tokens=50, ttft_ms=5000, output_tokens_per_s_per_user=10, hourly_profile=hours,
                                     self_hosting="not-wanted"))
    limit = next(r for c in rec.candidates for r in c.reasons if r.code == "api-rate-limits")  # over Groq's free tier: a
    # warning, its paid tiers unpublished (trial 35)
    assert round(limit.numbers["peak_requests_per_min"]) == round(20_000 / 1440 * 6)  # not the flat day's 14/min
