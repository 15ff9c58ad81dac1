"""Where notification settings come from (secrets.toml, then the environment), the links they
build, the weekly times, and the app's opt-in scheduler sending once however often it runs."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from notify_helpers import inbox, notify_settings  # noqa: F401

from okrdata import config, writes
from okrdata.errors import ValidationError
from okrdata.notify import schedule, settings
from okrdata.notify.settings import (
    At,
    Settings,
    due_this_week,
    iso_week,
    page_link,
    parse_at,
)


@pytest.fixture
def secrets(tmp_path, monkeypatch):
    for name in (
        "OKR_BASE_URL",
        "OKR_SMTP_HOST",
        "OKR_SMTP_PORT",
        "OKR_SMTP_SECURITY",
        "OKR_SMTP_USER",
        "OKR_SMTP_PASSWORD",
        "OKR_SMTP_FROM",
        "OKR_REMIND_AT",
        "OKR_DIGEST_AT",
        "OKR_NOTIFY_SCHEDULE",
        "OKR_NOTIFY_INTERVAL",
    ):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "secrets.toml"
    monkeypatch.setenv("OKR_SECRETS", str(path))
    return path


def test_nothing_configured_means_local_links_and_no_email(secrets):
    loaded = settings.load()
    assert loaded == Settings()
    assert loaded.smtp is None and loaded.base_url == "http://localhost:8501" and loaded.schedule is False


def test_the_secrets_file_sets_everything_and_the_environment_wins(secrets, monkeypatch):
    secrets.write_text(
        '[okr]\nbase_url = "https://okr.acme.test/"\n'
        '[okr.smtp]\nhost = "smtp.acme.test"\nsecurity = "ssl"\nuser = "okr@acme.test"\npassword = "s3cret"\n'
        '[okr.notify]\nremind_at = "tue 08:30"\ndigest_at = "Thursday 16"\nschedule = true\ninterval_minutes = 10\n'
    )
    loaded = settings.load()
    assert loaded.base_url == "https://okr.acme.test"
    assert (loaded.smtp.host, loaded.smtp.port, loaded.smtp.security) == ("smtp.acme.test", 465, "ssl")
    assert (loaded.smtp.user, loaded.smtp.password, loaded.smtp.sender) == ("okr@acme.test", "s3cret", "okr@acme.test")
    assert (loaded.remind_at, loaded.digest_at) == (At(1, dt.time(8, 30)), At(3, dt.time(16, 0)))
    assert loaded.schedule is True and loaded.interval_s == 600
    monkeypatch.setenv("OKR_SMTP_PORT", "2525")
    monkeypatch.setenv("OKR_NOTIFY_SCHEDULE", "0")
    monkeypatch.setenv("OKR_SMTP_FROM", "OKR <noreply@acme.test>")
    again = settings.load()
    assert again.smtp.port == 2525 and again.schedule is False and again.smtp.sender == "OKR <noreply@acme.test>"


def test_a_broken_secrets_file_is_an_error_naming_it(secrets):
    secrets.write_text("[okr\nbase_url = ")
    with pytest.raises(ValidationError) as info:
        settings.load()
    assert info.value.field == "secrets" and str(secrets) in info.value.message


def test_the_later_secrets_file_wins_key_by_key(tmp_path, monkeypatch):
    monkeypatch.delenv("OKR_SECRETS", raising=False)
    home, project = tmp_path / "home", tmp_path / "project"
    (home / ".streamlit").mkdir(parents=True)
    (project / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "secrets.toml").write_text('[okr.smtp]\nhost = "home"\nport = 1\n')
    (project / ".streamlit" / "secrets.toml").write_text("[okr.smtp]\nport = 2\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(project)
    assert config.section("okr", "smtp") == {"host": "home", "port": 2}


@pytest.mark.parametrize(
    "text, at",
    [("monday 09:00", At(0, dt.time(9))), ("Fri 15:30", At(4, dt.time(15, 30))), ("sunday 7", At(6, dt.time(7)))],
)
def test_weekly_times_read_as_people_write_them(text, at):
    assert parse_at("remind_at", text) == at


@pytest.mark.parametrize("text", ["mo 9:00", "monday", "monday 25:00", "funday 9:00", ""])
def test_a_weekly_time_that_means_nothing_is_refused(text):
    with pytest.raises(ValidationError) as info:
        parse_at("remind_at", text)
    assert info.value.field == "remind_at"


def test_the_reminder_falls_due_at_its_time_of_the_week_and_stays_due_all_week():
    monday_nine = At(0, dt.time(9))
    assert not due_this_week(dt.datetime(2026, 1, 19, 8, 59), monday_nine)
    assert due_this_week(dt.datetime(2026, 1, 19, 9, 0), monday_nine)
    assert due_this_week(dt.datetime(2026, 1, 25, 23, 59), monday_nine)
    assert iso_week(dt.date(2026, 1, 19)) == iso_week(dt.date(2026, 1, 25)) == "2026-W04"
    assert iso_week(dt.date(2027, 1, 1)) == "2026-W53"


def test_links_point_at_the_pages_of_the_app():
    from ui.navigation import PAGES

    paths = {p.path for p in PAGES}
    default = [p.path for p in PAGES if p.default]
    for page, path in settings.PAGE_PATHS.items():
        assert (f"pages/{path}.py" in paths) if path else default == [f"pages/{page}.py"]
    linked = Settings(base_url="https://okr.acme.test")
    assert page_link(linked, "checkin", cycle=3, unit=7) == "https://okr.acme.test/checkin?cycle=3&unit=7"
    assert page_link(linked, "overview", cycle=3, unit=None) == "https://okr.acme.test/?cycle=3"


def test_the_scheduler_sends_each_reminder_once_however_many_rounds_it_runs(db, org, inbox, notify_settings, tmp_path):
    rounds = schedule.Scheduler(
        tmp_path / "okr.db",
        interval_s=0.02,
        clock=lambda: dt.datetime(2026, 1, 20, 9, 30),
        load_settings=lambda: notify_settings,
    )
    rounds.start()
    try:
        deadline = time.monotonic() + 20
        while (rounds.runs < 6 or len(inbox.messages) < 2) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        rounds.stop()
    assert rounds.runs >= 6 and not rounds.running and rounds.last_error is None
    assert sorted(a for m in inbox.messages for a in m.envelope_to) == ["ada@acme.test", "lee@acme.test"]


def test_a_poke_wakes_the_scheduler_at_once(db, org, notify_settings, tmp_path):
    rounds = schedule.Scheduler(
        tmp_path / "okr.db",
        interval_s=60,
        clock=lambda: dt.datetime(2026, 1, 20, 9, 30),
        load_settings=lambda: notify_settings,
    ).start()
    try:
        deadline = time.monotonic() + 10
        while rounds.runs < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        schedule.poke()
        while rounds.runs < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert rounds.runs >= 2
    finally:
        rounds.stop()


@pytest.mark.parametrize("write", ["check-in", "correction", "close"])
def test_a_check_in_or_a_closing_cycle_wakes_the_scheduler_at_once(db, org, notify_settings, tmp_path, write):
    """A key result turning off track or a cycle closing is posted now, not at the next round."""
    rounds = schedule.Scheduler(
        tmp_path / "okr.db",
        interval_s=3600,
        clock=lambda: dt.datetime(2026, 1, 20, 9, 30),
        load_settings=lambda: notify_settings,
    ).start()
    try:
        deadline = time.monotonic() + 10
        while rounds.runs < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        if write == "check-in":
            writes.add_checkin(db, org.kr_increase, "2026-01-20", 30, 2, person=writes.SYSTEM)
        elif write == "correction":
            version = writes.version_of(db, "checkins", org.checkin)
            writes.edit_checkin(db, org.checkin, value=25, confidence=2, version=version, person=writes.SYSTEM)
        else:
            writes.close_cycle(db, org.cycle, person=writes.SYSTEM, today=dt.date(2026, 4, 2))
        while rounds.runs < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert rounds.runs >= 2
    finally:
        rounds.stop()


def test_a_bad_round_is_logged_and_the_scheduler_goes_on(tmp_path, caplog):
    def broken():
        raise ValidationError("smtp port", "must be a port number from 1 to 65535, not 'x'.")

    rounds = schedule.Scheduler(tmp_path / "okr.db", interval_s=0.01, load_settings=broken).start()
    try:
        deadline = time.monotonic() + 10
        while rounds.runs < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        rounds.stop()
    assert rounds.runs >= 3 and "smtp port" in rounds.last_error
    assert "notifications are not set up right" in caplog.text


def test_the_scheduler_starts_only_when_asked(secrets, monkeypatch, tmp_path):
    assert schedule.start_if_enabled(tmp_path / "okr.db") is None
    monkeypatch.setenv("OKR_NOTIFY_SCHEDULE", "1")
    started = schedule.start_if_enabled(tmp_path / "okr.db")
    try:
        assert started is not None and started.running
    finally:
        started.stop()


def test_the_app_lifespan_runs_the_scheduler_while_the_app_serves(secrets, monkeypatch, tmp_path):
    import asyncio

    monkeypatch.setenv("OKR_DB", str(tmp_path / "okr.db"))
    monkeypatch.setenv("OKR_NOTIFY_SCHEDULE", "1")
    seen = {}

    async def serve():
        async with schedule.lifespan(None):
            seen["threads"] = [t.name for t in threading.enumerate()]

    asyncio.run(serve())
    assert "okr-notify" in seen["threads"]
    assert "okr-notify" not in [t.name for t in threading.enumerate()]


@pytest.mark.slow
def test_notifications_never_import_streamlit():
    import subprocess
    import sys

    code = (
        "import sys, okrdata.notify.jobs, okrdata.notify.schedule, okrdata.cli.group; print('streamlit' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
