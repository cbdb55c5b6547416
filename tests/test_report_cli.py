"""`recommend --output/--from` and `report show|diff` from the command line."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from advisor import api, runtime
from advisor.cli import main
from advisor.prices.book import from_catalog

ARGS = ("recommend", "--preset", "bursty-app", "--models", "gemma-3-27b,qwen3-30b-a3b,llama-3.3-70b")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_output_writes_a_report_and_refuses_to_overwrite(tmp_path, capsys):
    path = tmp_path / "r.toml"
    code, out, err = run(capsys, *ARGS, "--output", path)
    assert code == 0 and "report written to" in err and str(path) in err
    assert tomllib.loads(path.read_text(encoding="utf-8"))["report"]["schema_version"] == 1
    before = path.read_bytes()
    code, out, err = run(capsys, *ARGS, "-o", path)
    assert code == 2 and err.count("\n") == 1 and "already exists" in err and "--force" in err
    assert path.read_bytes() == before
    code, _, err = run(capsys, *ARGS, "-o", path, "--force")
    assert code == 0 and "report written" in err


def test_output_to_a_missing_directory_is_one_line(tmp_path, capsys):
    code, out, err = run(capsys, *ARGS, "-o", tmp_path / "nope" / "r.toml")
    assert code == 2 and err.count("\n") == 1 and "does not exist" in err and "Traceback" not in err


def test_report_show_prints_the_recommend_table(tmp_path, capsys):
    path = tmp_path / "r.toml"
    _, table, _ = run(capsys, *ARGS, "-o", path, "--top", "5")
    code, out, _ = run(capsys, "report", "show", path, "--top", "5")
    assert code == 0
    header, _, body = out.partition("\n\n")
    assert header.startswith(f"Report {path}: written ") and "schema 1" in header and "prices, as of" in header
    assert body == table


def test_report_show_json(tmp_path, capsys):
    path = tmp_path / "r.toml"
    _, recommend_json, _ = run(capsys, *ARGS, "-o", path, "--format", "json")
    code, out, _ = run(capsys, "report", "show", path, "--format", "json")
    assert code == 0 and json.loads(out) == json.loads(recommend_json)


def test_recommend_from_a_report_reruns_the_same_workload(tmp_path, capsys):
    path = tmp_path / "r.toml"
    _, first, _ = run(capsys, *ARGS, "-o", path)
    code, again, _ = run(capsys, "recommend", "--from", path)
    assert code == 0 and again == first


def test_report_diff_shows_a_planted_price_change(tmp_path, capsys, isolated_user_dirs):
    old, new = tmp_path / "old.toml", tmp_path / "new.toml"
    run(capsys, *ARGS, "-o", old)
    # The bundled price, whatever it is today, doubled by a user catalog file
    bundled = next(o for o in from_catalog(api.catalog()).api_offers("gemma-3-27b", ("openrouter",)) if o.provider == "openrouter")
    doubled_in, doubled_out = bundled.input_usd_per_mtok * 2, bundled.output_usd_per_mtok * 2
    user = isolated_user_dirs / "catalogs"
    user.mkdir(parents=True, exist_ok=True)
    (user / "api_openrouter_new.toml").write_text(
        'catalog = "api_prices"\nschema_version = 1\nprovider = "openrouter"\n\n[[prices]]\nmodel = "gemma-3-27b"\n'
        f'input_usd_per_mtok = "{doubled_in}"\noutput_usd_per_mtok = "{doubled_out}"\ncontext_tokens = 96000\n'
        'source = "test: planted"\nas_of = "2026-11-01"\n', encoding="utf-8")
    runtime.reset_cache()
    code, _, _ = run(capsys, "recommend", "--from", old, "-o", new)
    assert code == 0
    code, out, err = run(capsys, "report", "diff", old, new)
    assert code == 0 and err == ""
    assert re.search(r"openrouter gemma-3-27b input: \$[0-9.]+ -> \$[0-9.]+/M tokens \(\+100\.0%\)", out), out
    assert re.search(r"openrouter gemma-3-27b output: \$[0-9.]+ -> \$[0-9.]+/M tokens \(\+100\.0%\)", out), out
    assert "Ranking changed" in out and "gemma-3-27b via openrouter" in out
    assert "api_openrouter_new.toml: added" in out


@pytest.mark.parametrize("content, key", [
    ("", "report: missing table"),
    ("[report]\nformat = \"moe-advisor recommendation report\"\nschema_version = 9\n", "report.schema_version: version 9 is newer"),
])
def test_report_show_of_a_bad_file_is_one_line(tmp_path, capsys, content, key):
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "report", "show", path)
    assert code == 2 and out == "" and err.count("\n") == 1 and f"{path}: {key}" in err


def test_recommend_from_a_bad_report_is_one_line(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("[report\n", encoding="utf-8")
    code, out, err = run(capsys, "recommend", "--from", path)
    assert code == 2 and out == "" and err.count("\n") == 1 and "malformed TOML" in err


def test_report_diff_says_ranking_changed_only_for_rows_that_moved():
    """A row whose cost changed in the same place is a cost change, not a ranking change."""
    from decimal import Decimal

    from advisor.reports.diff import RankChange, ReportDiff

    same = RankChange("a on 1x h100-sxm", 1, 1, Decimal("100"), Decimal("120"))
    moved = RankChange("b on 1x h200", 3, 2, Decimal("200"), Decimal("190"))
    text = ReportDiff("old", "new", rank_changes=(same,), old_best="a", new_best="a").text()
    assert "Ranking changed" not in text
    assert "Costs changed, same place in the ranking (1):" in text and "#1" in text and "$100.00 -> $120.00/month" in text
    text = ReportDiff("old", "new", rank_changes=(same, moved), old_best="a", new_best="a").text()
    assert "Ranking changed (1):" in text and "#3 -> #2" in text and "Costs changed, same place in the ranking (1):" in text


def test_recommend_takes_the_workload_file_as_its_argument(tmp_path, capsys):
    """`recommend FILE.toml`, as a user first types it, reads the file as --workload does; with a preset too, one line."""
    path = tmp_path / "w.toml"
    path.write_text('[workload]\nrequests_per_day = 3000\ninput_tokens = 4000\noutput_tokens = 500\n', encoding="utf-8")
    code, by_flag, _ = run(capsys, "recommend", "--workload", path, "--top", "3")
    assert code == 0
    code, by_arg, _ = run(capsys, "recommend", path, "--top", "3")
    assert code == 0 and by_arg == by_flag and "3,000 requests/day" in by_arg
    with pytest.raises(SystemExit) as stop:
        main(["recommend", str(path), "--preset", "bursty-app"])
    out, err = capsys.readouterr()
    assert stop.value.code == 2 and out == "" and "not allowed with argument FILE.toml" in err.splitlines()[-1]
