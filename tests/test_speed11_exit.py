"""A one-shot command's process ends without teardown (advisor.common.process), and nothing outside the process
can tell: the same exit status, every byte written, every later atexit handler run; and it steps aside when it
cannot keep that promise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=60)


# Each script ends with an object whose __del__ writes when the interpreter's teardown frees it: it writes only
# when the quick exit stepped aside. (weakref.finalize would not do: it registers an atexit handler of its own.)
_TAIL = ("\nimport os\nclass Witness:\n    write = staticmethod(os.write)\n"
         "    def __del__(self):\n        self.write(1, b'TORN DOWN\\n')\nkeep = Witness()\n")


def test_status_output_and_later_handlers_survive_the_quick_exit():
    code = ("import atexit, gc, sys\nfrom advisor.common import process\nassert process.end_quickly()\n"
            "assert not gc.isenabled()\n"
            "atexit.register(lambda: print('handler ran', file=sys.stderr))\n"
            "sys.stdout.write('x' * 100000)\nprocess.ending(3)\n" + _TAIL + "raise SystemExit(3)\n")
    out = _python(code)
    assert out.returncode == 3
    assert out.stdout == "x" * 100000  # the buffer was flushed before the process ended
    assert "handler ran" in out.stderr
    assert "TORN DOWN" not in out.stdout  # no teardown ran


def test_a_handler_registered_earlier_makes_it_step_aside():
    code = ("import atexit\natexit.register(print, 'early handler')\nfrom advisor.common import process\n"
            "assert not process.end_quickly()\nimport gc\nassert gc.isenabled()\nprocess.ending(0)\n" + _TAIL)
    out = _python(code)
    assert out.returncode == 0
    assert out.stdout.splitlines() == ["early handler", "TORN DOWN"]


def test_an_exception_leaves_the_exit_to_python():
    code = ("from advisor.common import process\nassert process.end_quickly()\n" + _TAIL + "raise ValueError('boom')\n")
    out = _python(code)
    assert out.returncode == 1
    assert "ValueError: boom" in out.stderr
    assert "TORN DOWN" in out.stdout


def test_a_message_status_leaves_the_exit_to_python():
    code = ("from advisor.common import process\nassert process.end_quickly()\nprocess.ending('bye')\n" + _TAIL
            + "raise SystemExit('bye')\n")
    out = _python(code)
    assert out.returncode == 1 and out.stderr.strip() == "bye"
    assert "TORN DOWN" in out.stdout


def test_the_cli_entry_point_keeps_its_statuses():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "advisor", *args], check=False, capture_output=True, text=True,
                              env=env, cwd=ROOT, timeout=120)
    ok = run("list", "presets")
    assert ok.returncode == 0 and "bursty-app" in ok.stdout
    bad = run("recommend", "--preset", "nosuch")
    assert bad.returncode == 2 and "unknown preset" in bad.stderr
    usage = run("recommend", "--no-such-flag")
    assert usage.returncode == 2 and "unrecognized arguments" in usage.stderr
