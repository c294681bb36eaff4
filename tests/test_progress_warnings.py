"""A warning raised inside a step of a numbered run never splits the step's progress line."""

import io
import os
import re
import subprocess
import sys
import textwrap
import warnings

import pytest

from spectral_ssl import _progress

from terminal_stderr import terminal_stderr

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEP = re.compile(r"\[\d+/\d+\] .* \.\.\. .* in \d+\.\d s")


def test_a_warning_inside_a_step_is_held_until_the_line_is_complete():
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with _progress.steps(2, stream=out) as run:
            run.say("two steps")
            warnings.warn("between steps")  # no line is open: shown at once
            assert [str(w.message) for w in caught] == ["between steps"]
            run.start("first")
            warnings.warn("inside the first step")
            warnings.warn("again inside", RuntimeWarning)
            assert [str(w.message) for w in caught] == ["between steps"]  # held
            assert out.getvalue().endswith("[1/2] first ... ")
            run.finish()
            assert [str(w.message) for w in caught] == ["between steps", "inside the first step",
                                                        "again inside"]
            assert caught[2].category is RuntimeWarning
            run.start("second")
            run.finish("skipped")
    lines = out.getvalue().splitlines()
    assert lines[0] == "two steps"
    assert all(STEP.fullmatch(line) for line in lines[1:]) and len(lines) == 3


def test_held_warnings_are_released_when_a_step_stops_on_an_error():
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ZeroDivisionError):
            with _progress.steps(1, stream=out) as run:
                run.start("one")
                warnings.warn("before the error")
                1 / 0
    assert [str(w.message) for w in caught] == ["before the error"]
    assert re.fullmatch(r"\[1/1\] one \.\.\. stopped after an error in \d+\.\d s\n", out.getvalue())


def test_filters_still_decide_and_showwarning_is_restored():
    before = warnings.showwarning
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore", UserWarning)
        with _progress.steps(1, stream=out) as run:
            run.start("one")
            warnings.warn("ignored")
            run.finish()
    assert caught == [] and warnings.showwarning is before


def _stderr_of(script, *arguments):
    environment = dict(os.environ, PYTHONPATH=ROOT, SPECTRAL_SSL_PROGRESS="1")
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script), *arguments], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stderr.splitlines()


def test_api_steps_on_real_stderr_print_the_warning_after_the_step_line():
    # a fresh interpreter: Python's own showwarning writes to the real standard error
    lines = _stderr_of("""
        import warnings
        from spectral_ssl._progress import steps
        with steps(2, verbose=True) as run:
            run.start("first")
            warnings.warn("inside the first step")
            run.finish()
            run.start("second")
            run.finish()
    """)
    assert STEP.fullmatch(lines[0]) and lines[0].startswith("[1/2] first ... done in ")
    assert lines[1] == "<string>:6: UserWarning: inside the first step"
    assert STEP.fullmatch(lines[2]) and lines[2].startswith("[2/2] second ... done in ")
    assert len(lines) == 3


def test_cli_report_prints_a_warning_raised_in_a_step_after_that_step_line(tmp_path):
    # spectral-ssl report with one solver step made to warn; its progress lines stay whole
    lines = _stderr_of("""
        import sys, warnings
        from spectral_ssl import cli
        from spectral_ssl.experiments import method_table

        original = method_table.solve_and_certify

        def warning_solve(*args, **kwargs):
            warnings.warn("a warning from inside the step")
            return original(*args, **kwargs)

        method_table.solve_and_certify = warning_solve
        warnings.simplefilter("always")  # one warning per step, whatever Python's registry holds
        sys.exit(cli.main(sys.argv[1:]))
    """, "report", "--quick", "--no-claims", "--methods", "vicreg", "--n-images", "60",
        "--out", str(tmp_path / "report"), "--verbose")
    steps = [line for line in lines if line.startswith("[")]
    assert steps and all(STEP.fullmatch(line) for line in steps)
    assert not any("UserWarning" in line for line in steps)
    warned = [i for i, line in enumerate(lines) if line.endswith("UserWarning: a warning from inside the step")]
    assert len(warned) >= 3
    for i in warned:  # each right after the whole line of the step that raised it
        assert STEP.fullmatch(lines[i - 1]), lines[i - 1]


@pytest.mark.extra
def test_with_tqdm_bar_the_warning_comes_after_the_finished_step_line(monkeypatch):
    pytest.importorskip("tqdm")

    stream = terminal_stderr(monkeypatch, plain_lines=False)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = lambda message, category, filename, lineno, file=None, line=None: \
            sys.stderr.write(f"{category.__name__}: {message}\n")  # Python's, shortened
        with _progress.steps(1, verbose=True) as run:
            assert type(run).__name__ == "_StepBar"
            run.start("solve")
            warnings.warn("inside")
            assert "UserWarning: inside" not in stream.getvalue()
            run.finish()
    text = stream.getvalue()
    finished = re.search(r"\[1/1\] solve \.\.\. done in \d+\.\d s\n", text)
    assert finished and text.index("UserWarning: inside\n") > finished.end() - 1
