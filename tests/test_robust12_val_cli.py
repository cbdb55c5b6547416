"""Robustness review 12, CLI items: ``deploy --output-dir`` that cannot be a folder (11), ``estimate --gpus``
beyond any cluster (19), empty or mangled flag values (21)."""

from __future__ import annotations

import pytest

from advisor.cli import main


def _one_line_error(capsys, argv, *words):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, (code, err)
    assert len(err.strip().splitlines()) == 1 and "internal error" not in err and "Traceback" not in err, err
    for w in words:
        assert w in err, err
    return err


@pytest.mark.parametrize("make", [
    lambda tmp: tmp / "a-file",                # an existing file
    lambda tmp: tmp / "a-file" / "sub",        # a folder under a file
    lambda tmp: "/proc/self",                  # a folder nothing can be written into
])
def test_deploy_output_dir_that_cannot_take_files_is_one_line(tmp_path, capsys, make):
    (tmp_path / "a-file").write_text("x")
    target = str(make(tmp_path))
    _one_line_error(capsys, ["deploy", "--preset", "bursty-app", "--target", "vllm", "--output-dir", target],
                    "--output-dir", target)
    assert (tmp_path / "a-file").read_text() == "x"


@pytest.mark.parametrize("argv, words", [
    (["estimate", "llama-3.3-70b", "h100-sxm", "--gpus", "100000000000"], ("--gpus", "1,024", "100,000,000,000")),
    (["estimate", "llama-3.3-70b", "h100-sxm", "--gpus", "0"], ("--gpus", "from 1")),
    (["estimate", "llama-3.3-70b", "h100-sxm", "--tpot-limit-ms", "0"], ("--tpot-limit-ms", "greater than 0, got 0")),
    (["estimate", "llama-3.3-70b", "h100-sxm", "--tpot-limit-ms", "-1"], ("--tpot-limit-ms", "greater than 0, got -1")),
    (["estimate", "llama-3.3-70b", "h100-sxm", "--kv-precision", "fp7"], ("kv precision 'fp7'", "bf16, fp16, fp8")),
    (["estimate", "llama-3.3-70b", "h100-sxm", "--layout", "pp", "--gpus", "1"], ("pp needs 2 or more GPUs", "got 1")),
    (["estimate", "llama-3.3-70b", "h100-sxm", "--layout", "dep", "--gpus", "2"],
     ("dep needs an MoE model", "llama-3.3-70b: no routed experts")),
    (["size", "llama-3.3-70b", "--context", "1" * 35], ("--context", "1" * 2 + ",111,", "10,000,000")),
    (["recommend", "--preset", "bursty-app", "--input-tokens", "10000000"], ("--input-tokens", "10,000,000 input + ")),
], ids=["gpus-1e11", "gpus-0", "tpot-0", "tpot-minus-1", "kv-precision", "pp-one-gpu", "dep-dense", "context-35-digits",
        "request-past-max"])
def test_messages_name_the_flag_and_the_real_reason(capsys, argv, words):
    err = _one_line_error(capsys, argv, *words)
    assert "list kv precisions" not in err and "no experts divide" not in err and "context_typical" not in err, err


@pytest.mark.parametrize("argv, flag", [
    (["estimate", "llama-3.3-70b", "h100-sxm", "--precision", ""], "--precision"),
    (["size", "llama-3.3-70b", "--precision", " "], "--precision"),
    (["recommend", "--preset", ""], "--preset"),
    (["estimate", "llama-3.3-70b", "h100-sxm", "--input-tokens", "1,,024"], "--input-tokens"),
    (["estimate", "llama-3.3-70b", "h100-sxm", "--input-tokens", "10,24"], "--input-tokens"),
])
def test_empty_or_mangled_flag_values_are_refused_not_read_as_the_default(capsys, argv, flag):
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2 and flag in err, err


def test_counts_with_separators_still_read_exactly(capsys):
    from advisor.cli import _count

    assert _count("1,024") == _count("1_024") == _count("1e3") + 24 == 1024
    assert _count("1" * 35) == int("1" * 35)  # exact, not through a float


@pytest.mark.parametrize("text, field, words", [
    ('models = ["nope"]\n', "models", ("unknown model 'nope'",)),
    ('gpu_types = ["nope"]\n', "gpu_types", ("unknown gpu 'nope'",)),
    ('precisions = ["fp7"]\n', "precisions", ("unknown precision 'fp7'",)),
    ('quality_benchmark = "MMLU-Pr"\nmin_quality = 50\n', "quality_benchmark", ("'MMLU-Pr'", "MMLU-Pro")),
], ids=["model", "gpu", "precision", "benchmark"])
def test_an_unknown_id_in_a_workload_file_names_the_file_and_field(tmp_path, capsys, text, field, words):
    path = tmp_path / "w.toml"
    path.write_text("requests_per_day = 1000\n" + text, encoding="utf-8")
    _one_line_error(capsys, ["recommend", "--workload", str(path)], f"{path}: {field}: ", *words)


def test_tui_default_export_path_stays_in_the_working_folder(tmp_path, monkeypatch):
    import dataclasses
    from pathlib import Path

    from advisor import api
    from advisor.tui.services import Services

    monkeypatch.chdir(tmp_path)
    for name, expected in (("../../../tmp/x", "moe-advisor-tmp-x.toml"), ("..", "moe-advisor-report.toml"),
                           ("bursty-app", "moe-advisor-bursty-app.toml")):
        path = Services().default_report_path(dataclasses.replace(api.preset("bursty-app"), name=name))
        assert path == Path.cwd() / expected, (name, path)
    # an edited workload (the form names it "custom", "edited from <name>"): the name it was edited from (trial 37)
    for was, expected in (("agentic-coding", "moe-advisor-agentic-coding-edited.toml"), ("../x", "moe-advisor-x-edited.toml")):
        edited = dataclasses.replace(api.preset("bursty-app"), name="custom", description=f"edited from {was}")
        assert Services().default_report_path(edited) == Path.cwd() / expected
    assert Services().default_report_path(dataclasses.replace(api.preset("bursty-app"), name="custom", description="")) \
        == Path.cwd() / "moe-advisor-custom.toml"
