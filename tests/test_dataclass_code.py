"""The methods ``dataclasses`` writes are compiled once and kept (``advisor.common.dataclass_code``): a kept code must be
exactly what compiling its text gives, and a file that does not read back must be ignored."""

from __future__ import annotations

import dataclasses
import marshal
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.common import dataclass_code

_GENERATED = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__")


def _make():
    @dataclasses.dataclass(frozen=True)
    class Offer:
        gpu: str
        usd_per_hour: float = 1.5
        tags: tuple[str, ...] = dataclasses.field(default=())

    return Offer


def _without_hook():
    saved = dataclasses.__dict__.pop("exec", None)
    try:
        return _make()
    finally:
        if saved is not None:
            dataclasses.exec = saved


def test_generated_methods_have_the_code_the_builtin_exec_gives():
    dataclass_code.install()
    assert dataclasses.exec is dataclass_code._exec
    plain, kept, again = _without_hook(), _make(), _make()  # ``again``: from the kept code
    for name in _GENERATED:
        assert getattr(kept, name).__code__ == getattr(plain, name).__code__, name
        assert getattr(again, name).__code__ == getattr(plain, name).__code__, name
    a, b = again("h100", 2.0), plain("h100", 2.0)
    assert repr(a) == repr(b) == "_make.<locals>.Offer(gpu='h100', usd_per_hour=2.0, tags=())"
    assert a == again("h100", 2.0) and hash(a) == hash(again("h100", 2.0)) and a != again("a100")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.gpu = "a100"


def test_kept_codes_are_written_and_read_back(tmp_path, monkeypatch):
    path = str(tmp_path / "__pycache__" / "dataclass-methods.marshal")
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setitem(dataclass_code._state, "path", path)
    monkeypatch.setitem(dataclass_code._state, "read", 0)
    _make()
    dataclass_code.save()
    codes = dataclass_code._read(path)
    assert codes and all(codes[text] == compile(text, "<string>", "exec", dont_inherit=True) for text in codes)
    assert any("def __init__(self,gpu:_type_gpu,usd_per_hour:_type_usd_per_hour" in text for text in codes)


@pytest.mark.parametrize("content", [b"", b"garbage", marshal.dumps({"x": 1}), marshal.dumps({"def f(): pass": 1})])
def test_a_file_that_does_not_read_back_is_ignored(tmp_path, content):
    from importlib.util import MAGIC_NUMBER

    path = tmp_path / "kept.marshal"
    path.write_bytes(content)
    assert dataclass_code._read(str(path)) == {}
    path.write_bytes(MAGIC_NUMBER + content)
    assert dataclass_code._read(str(path)) == {}
    path.write_bytes(b"\0\0\r\n" + marshal.dumps({"def f(): pass": compile("def f(): pass", "<string>", "exec")}))
    assert dataclass_code._read(str(path)) == {}, "another interpreter's magic number"


def test_no_file_where_python_writes_no_bytecode(tmp_path):
    """``-B`` (and ``PYTHONDONTWRITEBYTECODE``): nothing written, as for the package's ``.pyc`` files; written otherwise."""
    import os

    root = Path(__file__).resolve().parents[1]
    code = ("import sys; from advisor.common import dataclass_code as d; d.install(); d._state['path'] = sys.argv[1]\n"
            "import dataclasses\n@dataclasses.dataclass(frozen=True)\nclass Unseen:\n    field_seen_nowhere_else: int\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for flags, written in ((["-B"], False), ([], True)):
        target = tmp_path / f"kept{len(flags)}.marshal"
        subprocess.run([sys.executable, *flags, "-c", code, str(target)], check=True, cwd=root, env=env)
        assert target.exists() is written, flags
        if written:
            assert any("field_seen_nowhere_else" in text for text in dataclass_code._read(str(target)))


def test_an_unwritable_place_is_no_error(tmp_path, monkeypatch):
    """A read-only installation: the codes are compiled at each start, as before, and nothing is raised at exit."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setitem(dataclass_code._state, "path", str(blocker / "__pycache__" / "kept.marshal"))
    monkeypatch.setitem(dataclass_code._state, "read", -1)
    dataclass_code.save()
    assert not (blocker / "__pycache__").exists() and list(tmp_path.iterdir()) == [blocker]
