"""Every file the ``okr`` command writes appears whole or not at all (a temporary file in the
same folder, then renamed): a full disk leaves nothing under the final name, nor a partial
file beside it, and a file it replaces stays as it was. A folder that does not exist is one
line.

The full disk is real where the tests may mount a 1 MB tmpfs (root); elsewhere an
``OSError(ENOSPC)`` is injected into the one helper's write (:func:`okrdata.files.write_atomic`).
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from disk_fixtures import fill, full_disk, unprivileged  # noqa: F401

from okrdata.cli import cli
from okrdata.errors import ValidationError

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "seed" / "import-example.csv"

OUTPUTS = {
    "csv": ["export", "{out}/x.csv"],
    "xlsx": ["export", "{out}/x.xlsx"],
    "check-ins": ["export", "{out}/history.csv", "--checkins"],
    "full json": ["export", "{out}/x.json", "--full"],
    "full zip": ["export", "{out}/x.zip", "--full"],
    "report html": ["report", "{out}/r.html", "--cycle", "2026 Q4"],
    "report pdf": ["report", "{out}/r.pdf", "--cycle", "2026 Q4"],
    "backup": ["backup", "{out}/copy.db"],
}


def run(db: Path, out: Path, name: str, *extra: str):
    args = [a.format(out=out) for a in OUTPUTS[name]] + ["--db", str(db), *extra]
    result = CliRunner().invoke(cli, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def one_line_error(result, *words: str) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("db") / "okr.db"
    result = CliRunner().invoke(cli, ["import", str(SAMPLE), "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_a_full_disk_leaves_no_file_under_the_final_name_nor_beside_it(db, full_disk, name):
    fill(full_disk)
    result = run(db, full_disk, name)
    one_line_error(result, "full")
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]


@pytest.mark.parametrize("name", ["csv", "full json", "report html"])
def test_a_full_disk_leaves_the_file_it_would_replace_as_it_was(db, full_disk, name):
    target = Path(OUTPUTS[name][1].format(out=full_disk))
    target.write_bytes(b"last week's file")
    fill(full_disk)
    result = run(db, full_disk, name, *(["--force"] if name.startswith("report") else []))
    one_line_error(result, "full")
    assert target.read_bytes() == b"last week's file"
    assert sorted(p.name for p in full_disk.iterdir()) == sorted(["filler", target.name])


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_writing_into_a_folder_that_does_not_exist_is_one_line(db, tmp_path, name):
    result = run(db, tmp_path / "missing", name)
    one_line_error(result, "does not exist", str(tmp_path / "missing"))
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_every_file_is_written_whole_and_alone(db, tmp_path, name):
    result = run(db, tmp_path, name)
    assert result.exit_code == 0, result.output
    written = [p for p in tmp_path.iterdir()]
    assert len(written) == 1 and written[0].stat().st_size > 0, written


def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    from okrdata import files

    target = tmp_path / "x.csv"
    target.write_bytes(b"old")

    def no_space(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "_write_all", no_space)
    with pytest.raises(ValidationError) as info:
        files.write_atomic(target, b"new contents", field="FILE")
    assert info.value.field == "FILE" and "full" in info.value.message
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_a_replaced_file_keeps_its_permissions_and_a_new_one_follows_the_umask(tmp_path):
    from okrdata import files

    kept = tmp_path / "kept.csv"
    kept.write_bytes(b"old")
    kept.chmod(0o640)
    files.write_atomic(kept, b"new")
    assert kept.read_bytes() == b"new" and kept.stat().st_mode & 0o777 == 0o640
    fresh = files.write_atomic(tmp_path / "fresh.csv", b"new")
    reference = tmp_path / "reference"
    reference.write_bytes(b"")
    assert fresh.stat().st_mode & 0o777 == reference.stat().st_mode & 0o777
    shutil.rmtree(tmp_path)


def test_write_table_goes_through_the_same_helper(tmp_path):
    import pandas as pd

    from okrdata import transfer

    frame = pd.DataFrame({"Objective": ["Grow"], "Key result": ["Revenue from 1 to 2"]})
    with pytest.raises(ValidationError) as info:
        transfer.write_table(frame, tmp_path / "missing" / "x.csv")
    assert info.value.field == "file" and "does not exist" in info.value.message
    written = transfer.write_table(frame, tmp_path / "x.csv")
    assert written.read_bytes().startswith(b"\xef\xbb\xbfObjective") and [p.name for p in tmp_path.iterdir()] == [
        "x.csv"
    ]
