"""The TUI fits the terminal it runs in: the size comes from the terminal, not from a stale COLUMNS; the ranking's
columns share the width so rows stay told apart; sorting says what it does (Pilot at 120x40 and 80x24)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("textual")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _size_in_a_pty(columns: int, lines: int, env_columns: str) -> str:
    """Run Textual's own size reading (the Linux driver's) in a pseudo-terminal of ``columns`` x ``lines`` with
    ``COLUMNS``/``LINES`` exported, inside and after ``terminal_size_from_the_terminal``."""
    import fcntl
    import pty
    import struct
    import termios

    code = textwrap.dedent("""
        import os
        from textual.drivers.linux_driver import LinuxDriver
        from advisor.tui.app import terminal_size_from_the_terminal
        before = LinuxDriver._get_terminal_size(None)
        with terminal_size_from_the_terminal():
            inside = LinuxDriver._get_terminal_size(None)
        print("SIZES", before, inside, os.environ.get("COLUMNS"), flush=True)
    """)
    pid, fd = pty.fork()
    if pid == 0:  # the child: its stdin, stdout and stderr are the pseudo-terminal
        os.environ.update(COLUMNS=env_columns, LINES="60", PYTHONPATH=ROOT)
        os.execv(sys.executable, [sys.executable, "-c", code])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    return out.decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_an_exported_columns_does_not_size_the_app_when_the_terminal_can():
    """``COLUMNS=200`` in an 80-column terminal: Textual alone reads 200 (shutil takes the variable first), so the
    app drew 200 columns and the terminal cut every line; while the app runs it reads the terminal's 80."""
    out = _size_in_a_pty(80, 24, "200")
    assert "SIZES (200, 60) (80, 24) 200" in out, out


def test_without_a_terminal_columns_is_kept():
    """Output piped: the terminal cannot answer, so ``COLUMNS`` stays (it is then the only size there is)."""
    code = ("import os\nfrom advisor.tui.app import terminal_size_from_the_terminal\n"
            "with terminal_size_from_the_terminal():\n    print(os.environ.get('COLUMNS'))")
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "200", "PYTHONPATH": ROOT})
    assert proc.stdout.strip() == "200", proc.stderr
