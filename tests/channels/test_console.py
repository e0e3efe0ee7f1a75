"""`make chat` (channels/console.py) speaks to Rasa as our front ends do: signed, so the
REST channel takes its lines, as a phone caller, a web visitor or the owner."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from business.settings import ROOT
from tests.channels.conftest import SECRET_KEY


@pytest.mark.parametrize("args, channel", [([], "phone"), (["--web"], "web"), (["--owner"], "owner")])
def test_console_lines_are_signed_and_answered(echo_rasa, args, channel):
    result = subprocess.run([sys.executable, "-m", "channels.console", "--rasa-url", echo_rasa, *args],
                            input="hello there\n\nsecond line\n", capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "SECRET_KEY": SECRET_KEY}, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("assistant: echo hello there")
    assert lines[0].endswith(f"| channel {channel}")


def test_console_with_the_wrong_key_is_refused(echo_rasa):
    result = subprocess.run([sys.executable, "-m", "channels.console", "--rasa-url", echo_rasa],
                            input="hello\n", capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "SECRET_KEY": "not-the-key"}, timeout=60)
    assert result.stdout == "" and "did not answer" in result.stderr
