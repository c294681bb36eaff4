"""Tests of spectral_ssl._files: inputs that are not regular files, all-or-nothing outputs, report folders."""

import os

import pytest

from spectral_ssl._files import MANIFEST, check_output_folder, open_input, replaced_folder, staged_outputs

ALLOWED = ("report.md", "*.png")


def test_open_input_refuses_a_fifo_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(ValueError, match=r"--graph: '.*pipe' is a FIFO \(named pipe\), not a file"):
        open_input(tmp_path / "pipe", "--graph")


def test_open_input_returns_the_size(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"1,2\n")
    handle, size = open_input(tmp_path / "a.csv", "X")
    with handle:
        assert (size, handle.read()) == (4, b"1,2\n")


def test_staged_outputs_write_all_or_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with staged_outputs([tmp_path / "a", tmp_path / "b"]) as (a, b):
            a.write(b"A")
            raise RuntimeError("interrupted")
    assert os.listdir(tmp_path) == []
    with staged_outputs([tmp_path / "a", tmp_path / "b"]) as (a, b):
        a.write(b"A")
        b.write(b"B")
    assert (tmp_path / "a").read_bytes() == b"A" and sorted(os.listdir(tmp_path)) == ["a", "b"]


def test_staged_outputs_never_replace_a_file_created_meanwhile(tmp_path):
    with pytest.raises(FileExistsError):
        with staged_outputs([tmp_path / "a", tmp_path / "b"]) as (a, b):
            (tmp_path / "b").write_bytes(b"someone else's")
    assert sorted(os.listdir(tmp_path)) == ["b"]  # 'a' was rolled back, 'b' untouched
    assert (tmp_path / "b").read_bytes() == b"someone else's"


def test_replaced_folder_removes_stale_files_and_keeps_the_old_one_on_failure(tmp_path):
    out = tmp_path / "rep"
    with replaced_folder(out, option="--out", allowed=ALLOWED) as staging:  # an earlier report
        (staging / "report.md").write_text("old")
        (staging / "claim_stale.png").write_bytes(b"stale")
    assert (out / MANIFEST).read_text() == "claim_stale.png\nreport.md\n"
    with pytest.raises(RuntimeError):
        with replaced_folder(out, option="--out", allowed=ALLOWED) as staging:
            (staging / "report.md").write_text("half")
            raise RuntimeError("killed")
    assert sorted(os.listdir(out)) == [MANIFEST, "claim_stale.png", "report.md"]
    assert (out / "report.md").read_text() == "old"
    with replaced_folder(out, option="--out", allowed=ALLOWED) as staging:
        (staging / "report.md").write_text("new")
    assert sorted(os.listdir(out)) == [MANIFEST, "report.md"] and (out / "report.md").read_text() == "new"
    assert sorted(os.listdir(tmp_path)) == ["rep"]  # no temporary folder left


def test_a_folder_of_files_named_like_a_report_is_not_replaced_without_its_list(tmp_path):
    # a folder of the user's PNG files matched the report's patterns and was deleted
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "holiday.png").write_bytes(b"mine")
    with pytest.raises(ValueError, match=r"--out: '.*photos' holds 'holiday\.png', which is not a file "
                                         r"of an earlier report \(the folder has no \.spectral-ssl-files"):
        with replaced_folder(photos, option="--out", allowed=ALLOWED):
            pass
    assert os.listdir(photos) == ["holiday.png"]
    # an earlier report with a file the list does not name (added by the user) is refused too
    out = tmp_path / "rep"
    with replaced_folder(out, option="--out", allowed=ALLOWED) as staging:
        (staging / "report.md").write_text("old")
    (out / "extra.png").write_bytes(b"mine")
    with pytest.raises(ValueError, match=r"holds 'extra\.png', which is not a file of an earlier report;"):
        check_output_folder(out, option="--out", allowed=ALLOWED)


def test_the_current_folder_is_never_replaced(tmp_path, monkeypatch):
    with replaced_folder(tmp_path / "rep", option="--out", allowed=ALLOWED) as staging:
        (staging / "report.md").write_text("old")
    monkeypatch.chdir(tmp_path / "rep")
    for out in (".", str(tmp_path)):
        with pytest.raises(ValueError, match=r"is the current folder or holds it"):
            check_output_folder(out, option="--out", allowed=ALLOWED)


def test_replaced_folder_cleans_up_after_a_killed_run(tmp_path):
    leftover = tmp_path / ".spectral-ssl-partial-rep-abc"
    leftover.mkdir()
    (leftover / "report.md").write_text("half")
    with replaced_folder(tmp_path / "rep", option="--out", allowed=ALLOWED) as staging:
        (staging / "report.md").write_text("new")
    assert sorted(os.listdir(tmp_path)) == ["rep"]


def test_check_output_folder_refuses_user_files(tmp_path):
    (tmp_path / "rep").mkdir()
    (tmp_path / "rep" / "thesis.tex").write_text("mine")
    with pytest.raises(ValueError, match=r"--out: '.*rep' holds 'thesis\.tex', which is not a file of an "
                                         r"earlier report"):
        check_output_folder(tmp_path / "rep", option="--out", allowed=ALLOWED)
