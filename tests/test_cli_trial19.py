"""User trial 19, the command line: the step from a saved report to launch files. `deploy a.toml` answered "the
following arguments are required: --target" after a page of usage, and `recommend a.toml` on a report said
"assumptions: is outside the [workload] table". A report given as the argument is read as --from; `deploy` without
--target writes the files of the engine the row was ranked on, and says so."""

from __future__ import annotations

import pytest

from advisor.cli import main
from advisor.reports import load_report


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = tmp_path_factory.mktemp("r") / "steady.toml"
    assert main(["recommend", "--preset", "steady-latency", "--top", "3", "--details", "0", "-o", str(path)]) == 0
    return path


def test_deploy_a_report_without_target_writes_the_ranked_engine_files(capsys, report):
    code, out, err = run(capsys, "deploy", report)
    assert code == 0, err
    engine = load_report(report).recommendation.candidates[0].engine
    assert engine in ("vllm", "sglang", "trtllm")
    assert f"no --target: {engine}'s files, the engine #1 was ranked on" in err
    code, same, _ = run(capsys, "deploy", "--from", report, "--target", engine)
    assert code == 0 and out == same


def test_deploy_names_the_rank_in_its_note_and_takes_a_target_as_before(capsys, report):
    code, out, err = run(capsys, "deploy", report, "--rank", "2")
    assert code == 0 and "engine #2 was ranked on" in err
    code, out, err = run(capsys, "deploy", report, "--target", "skypilot")
    assert code == 0 and "no --target" not in err and "service" in out


def test_recommend_a_report_ranks_its_workload_as_from_does(capsys, report):
    code, out, err = run(capsys, "recommend", report, "--top", "3", "--details", "0", "--format", "json")
    assert code == 0, err
    code, same, _ = run(capsys, "recommend", "--from", report, "--top", "3", "--details", "0", "--format", "json")
    assert out == same


def test_a_report_given_as_workload_is_a_one_line_error_naming_from(capsys, report):
    code, out, err = run(capsys, "recommend", "--workload", report)
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and "is a saved report, not a workload file" in err and f"--from {report}" in err


def test_a_workload_file_as_the_argument_is_still_a_workload(capsys, tmp_path):
    path = tmp_path / "w.toml"
    path.write_text('[workload]\nrequests_per_day = 5000\nreport = "not a report table"\n', encoding="utf-8")
    code, out, err = run(capsys, "recommend", path, "--top", "1", "--details", "0")
    assert code != 0 and "report" in err and "not a workload file" not in err  # the unknown field is named, as before


def test_deploy_argument_and_preset_together_are_refused(capsys, report):
    with pytest.raises(SystemExit) as exc:
        main(["deploy", str(report), "--preset", "bursty-app"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


# --------------------------------------------------------------------------- the first word


def test_options_without_a_command_open_the_advisor_on_them(capsys, report):
    """`moe-advisor --preset bursty-app` said "invalid choice: 'bursty-app'"; it is `tui --preset bursty-app` (which,
    with no terminal here, says it needs one: the words reached it)."""
    for argv in (["--preset", "bursty-app"], [str(report)], ["--requests-per-day", "5000"]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and "tui: the interactive advisor needs a terminal" in err, (argv, err)
        assert "invalid choice" not in err


def test_a_preset_or_a_mistyped_command_as_the_first_word_says_what_was_meant(capsys):
    code, out, err = run(capsys, "bursty-app")
    assert code == 2 and err.count("\n") == 1
    assert "'bursty-app' is a preset, not a command" in err and "moe-advisor --preset bursty-app" in err
    code, out, err = run(capsys, "recomend", "--preset", "bursty-app")
    assert code == 2 and "did you mean 'recommend'?" in err


def test_the_top_level_flags_and_unknown_words_keep_argparse(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    with pytest.raises(SystemExit) as exc:
        main(["zzzz"])
    assert exc.value.code == 2 and "invalid choice: 'zzzz'" in capsys.readouterr().err


def test_a_report_of_megabytes_is_known_by_its_first_table(capsys, tmp_path):
    from advisor.cli.recommend import is_report

    big = tmp_path / "bursty.toml"
    assert main(["recommend", "--preset", "bursty-app", "--top", "1", "--details", "0", "-o", str(big)]) == 0
    capsys.readouterr()
    assert big.stat().st_size > 1 << 20  # past any prefix read whole
    assert is_report(str(big))
    code, out, err = run(capsys, "recommend", big, "--top", "1", "--details", "0")
    assert code == 0 and "Workload 'bursty-app'" in out, err
    text = big.read_text(encoding="utf-8").replace('format = "moe-advisor recommendation report"', 'format = "other"', 1)
    big.write_text(text, encoding="utf-8")
    assert not is_report(str(big))


def test_a_fifo_or_a_folder_is_not_taken_for_a_report_and_nothing_hangs(capsys, tmp_path):
    import os

    from advisor.cli.recommend import is_report

    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    assert not is_report(str(fifo)) and not is_report(str(tmp_path))
    code, out, err = run(capsys, "recommend", fifo)
    assert code != 0 and err.count("\n") == 1 and "pipe.toml" in err


def test_a_near_miss_rejection_says_within_the_error_once(capsys):
    """'0.5% over its target, within the speed estimate's 14% error … (1% over: within the speed estimate's 14% error …)':
    the reason says it, the table's suffix said it again with another rounding."""
    code, out, err = run(capsys, "recommend", "--preset", "bursty-app", "--self-hosting", "required", "--details", "0",
                         "--gpu-types", "h100-sxm,h200,b200,mi300x")  # (near misses on memory elsewhere come first)
    assert code == 0, err
    rejected = out.split("Rejected", 1)[1]
    near = [" ".join(block.split()) for block in rejected.split("\n  x ")]  # wrapped lines joined
    near = [block for block in near if "within the speed estimate" in block]
    assert near, "the precondition: a near miss is listed"
    assert all(block.count("within the speed estimate") == 1 for block in near), near
