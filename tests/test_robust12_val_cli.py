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
                    "output_dir", target)
    assert (tmp_path / "a-file").read_text() == "x"
