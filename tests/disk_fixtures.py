"""Bad disks for the tests: a real full one (a 1 MB tmpfs, where the tests may mount one), a
helper that fills it, and running a block as an unprivileged user so that file modes count.

Import the fixture into a test module: ``from disk_fixtures import fill, full_disk, unprivileged``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import pytest


@pytest.fixture
def full_disk(tmp_path) -> Path:
    """A real 1 MB tmpfs (fill it with :func:`fill`); skipped where the tests may not mount one."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], check=False, capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root); the simulated full disk covers the case")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> None:
    """Take every byte left on the file system of ``folder`` (into ``folder/filler``)."""
    with open(folder / "filler", "wb", buffering=0) as f:
        for size in (65536, 4096, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError:
                pass


@contextlib.contextmanager
def unprivileged():
    """Run the block as ``nobody`` when the tests run as root (root writes through any file mode)."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)
