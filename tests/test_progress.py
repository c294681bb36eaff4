"""The one progress policy: verbose decides, else the environment, else whether stderr is a terminal."""

import io
import sys

import pytest

from spectral_ssl import _progress


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def no_tqdm(monkeypatch):
    monkeypatch.setattr(_progress, "_tqdm", lambda: None)


def test_verbose_false_returns_the_iterable_itself_and_prints_nothing(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stderr", _Terminal())
    steps = [1, 2, 3]
    assert _progress.progress(steps, desc="x", verbose=False) is steps
    assert sys.stderr.getvalue() == ""


def test_auto_is_off_when_stderr_is_not_a_terminal(monkeypatch):
    monkeypatch.delenv(_progress.PROGRESS_ENV, raising=False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert _progress.is_enabled(None) is False
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert _progress.is_enabled(None) is True


@pytest.mark.parametrize("setting, expected", [("0", False), ("1", True)])
def test_environment_overrides_the_terminal_test(monkeypatch, setting, expected):
    monkeypatch.setenv(_progress.PROGRESS_ENV, setting)
    monkeypatch.setattr(sys, "stderr", _Terminal() if not expected else io.StringIO())
    assert _progress.is_enabled(None) is expected
    assert _progress.is_enabled(not expected) is (not expected)


def test_plain_lines_without_tqdm_count_every_step(monkeypatch, no_tqdm):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    assert list(_progress.progress(iter("abc"), desc="letters", total=3, verbose=True)) == ["a", "b", "c"]
    lines = stream.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == ["letters: 1/3", "letters: 2/3", "letters: 3/3"]


def test_status_reports_the_step_and_its_duration(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    with _progress.status("solving", verbose=True):
        pass
    first, last = stream.getvalue().splitlines()
    assert first == "solving ..."
    assert last.startswith("solving: done in ") and last.endswith(" s")
