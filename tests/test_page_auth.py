"""AppTests of signing in: the sidebar form, single sign-on identities, private deployments and
the gate a page puts before a write.

The whole app (``app.py``) runs where the frame matters (the sidebar on a real page, a private
deployment hiding the pickers); the smaller checks run a two-line script that draws only
:mod:`ui.auth`'s controls, which is quicker and shows the same widgets.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from app_fixtures import APP, clear_streamlit_caches, demo_db, ok  # noqa: F401
from argon2 import PasswordHasher, profiles
from streamlit.testing.v1 import AppTest

from okrdata import auth as core
from okrdata.db import connect
from okrdata.schema import migrate
from ui import auth
from ui.badges import escape_markdown

pytestmark = pytest.mark.slow  # AppTests: each test runs the app's pages

LEAD = "lead@northwindlabs.example"
LEAD_NAME = "Leo Lead (demo lead)"
ADMIN_NAME = "Ada Admin (demo admin)"
ADMIN = "admin@northwindlabs.example"
VERIFIED = {"is_logged_in": True, "email_verified": True}
"""What single sign-on says of an e-mail the provider has checked; add the ``email``."""


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch):
    """No sign-in settings from the environment, cheap new hashes. (Failed tries are kept in
    the database, and each test has its own copy.)"""
    for name in ("OKR_PRIVATE", "OKR_SIGN_IN", "OKR_SSO_TRUST_UNVERIFIED_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    real = core._hasher
    core.set_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))
    yield
    core.set_hasher(real)


def sidebar_script():
    """What ``ui.frame.draw`` does for sign-in, and a line that says who the page sees."""
    import streamlit as st

    from ui import auth, data

    data.ensure_database()
    auth.gate()
    auth.sign_in_sidebar()
    person = auth.current_person()
    st.write(f"page sees: {person['email'] if person else 'nobody'}")


def write_script():
    """A page that writes: it asks for sign-in first."""
    import streamlit as st

    from ui import auth

    person = auth.require_sign_in("save a check-in")
    st.write(f"form for {person['name']}")


def start(script=None, secrets: dict | None = None, user: dict | None = None) -> AppTest:
    at = (
        AppTest.from_file(APP, default_timeout=60)
        if script is None
        else AppTest.from_function(script, default_timeout=60)
    )
    at.secrets.update(secrets or {"okr": {}})  # never a developer's own secrets.toml
    if user is not None:
        at.user = user
    return ok(at.run())


def sign_in(at: AppTest, email: str, password: str, where: str = "sidebar") -> AppTest:
    at.text_input(key=f"okr_sign_in_email_{where}").input(email)
    at.text_input(key=f"okr_sign_in_password_{where}").input(password)
    buttons = [b for b in at.button if b.label == "Sign in" and where in b.key]
    assert len(buttons) == 1
    return ok(buttons[0].click().run())


def signed_in_line(at: AppTest) -> list[str]:
    return [m.value for m in at.sidebar.markdown if m.value.startswith("Signed in as")]


def page_sees(at: AppTest) -> str:
    lines = [m.value for m in at.main.markdown if m.value.startswith("page sees: ")]
    assert len(lines) == 1
    return lines[0].removeprefix("page sees: ")


# --- the sidebar form on the real app --------------------------------------------------------


def test_signed_out_the_app_offers_the_sign_in_form_and_names_the_demo_accounts(demo_db):
    at = start()
    assert signed_in_line(at) == []
    assert [e.label for e in at.sidebar.expander] == ["Sign in"]
    assert [t.label for t in at.sidebar.text_input] == ["E-mail", "Password"]
    captions = [c.value for c in at.sidebar.caption]
    assert any("lead@northwindlabs.example" in c and "`demo`" in c for c in captions)
    assert len(at.selectbox) == 2, "reading needs no sign-in: the pickers are there"


def test_wrong_password_names_the_field_and_signs_nobody_in(demo_db):
    at = sign_in(start(), LEAD, "not the password")
    assert len(at.error) == 1
    assert at.error[0].value == "**Password**: wrong e\\-mail or password\\."
    assert signed_in_line(at) == []
    assert auth.PERSON_KEY not in at.session_state
    assert at.text_input(key="okr_sign_in_password_sidebar").value == "", "the password is not kept"
    assert at.text_input(key="okr_sign_in_email_sidebar").value == LEAD, "the e-mail is kept"


def test_a_database_without_an_admin_says_how_to_make_one(tmp_path, monkeypatch):
    path = tmp_path / "own.db"
    db = connect(path)
    try:
        migrate(db)  # `okr init`: a schema and nobody in it
    finally:
        db.close()
    monkeypatch.setenv("OKR_DB", str(path))
    at = start(sidebar_script)
    captions = [c.value for c in at.sidebar.caption]
    assert any(c.startswith("There is no admin yet") and "okr user add" in c for c in captions), captions
    assert not any("northwindlabs" in c for c in captions), "no demo accounts outside the demo"


def test_a_name_holding_markdown_is_shown_as_text_in_the_sidebar(demo_db):
    name = "[Leo](https://evil.example/) **Boss** ![x](https://evil.example/x.png)"
    db = connect(demo_db)
    try:
        db.execute("UPDATE people SET name = ? WHERE email = ?", [name, LEAD])
        db.conn.commit()
    finally:
        db.close()
    at = sign_in(start(sidebar_script), LEAD, "demo")
    assert signed_in_line(at) == [f"Signed in as **{escape_markdown(name)}** · lead"]


def test_a_typed_email_holding_markdown_is_shown_as_text_in_the_error(demo_db):
    at = sign_in(start(sidebar_script), "[x](https://evil.example/)", "demo")
    assert len(at.error) == 1
    assert "[x](https://evil.example/)" not in at.error[0].value
    assert escape_markdown("[x](https://evil.example/)") in at.error[0].value


GUESSER, OWNER = "203.0.113.9", "198.51.100.7"


def test_wrong_passwords_from_another_browser_do_not_keep_the_owner_out(demo_db, monkeypatch):
    """Before: five wrong passwords from anywhere locked the account for 300 s, its owner too."""
    monkeypatch.setattr(auth, "client_address", lambda: GUESSER, raising=False)
    guesser = start(sidebar_script)
    for i in range(8):
        guesser = sign_in(guesser, ADMIN, f"guess {i}")
        assert signed_in_line(guesser) == []
    monkeypatch.setattr(auth, "client_address", lambda: OWNER, raising=False)
    at = sign_in(start(sidebar_script), ADMIN, "demo")
    assert page_sees(at) == ADMIN


def test_the_wait_is_shown_on_the_password_field(demo_db, monkeypatch):
    monkeypatch.setattr(core, "time", SimpleNamespace(time=lambda: 1000.0))  # every try at one instant
    monkeypatch.setattr(auth, "client_address", lambda: GUESSER, raising=False)
    at = start(sidebar_script)
    for i in range(core.FREE_FAILURES_PER_ADDRESS):
        at = sign_in(at, LEAD, f"guess {i}")
        assert at.error[0].value == "**Password**: wrong e\\-mail or password\\."
    at = sign_in(at, LEAD, "demo")
    assert [e.value for e in at.error] == [
        "**Password**: too many failed tries for this e\\-mail from your address; wait 2 seconds and try again\\."
    ]
    assert page_sees(at) == "nobody"


def test_missing_email_names_the_email_field(demo_db):
    at = sign_in(start(), "", "demo")
    assert len(at.error) == 1
    assert at.error[0].value.startswith("**E-mail**:")


def test_right_password_shows_the_person_in_the_sidebar_and_keeps_it_out_of_the_url(demo_db):
    at = sign_in(start(), LEAD, "demo")
    assert len(at.error) == 0
    assert signed_in_line(at) == [f"Signed in as **{escape_markdown(LEAD_NAME)}** · lead"]
    assert [e.label for e in at.sidebar.expander] == []
    assert set(at.query_params) <= {"cycle", "unit"}, "the sign-in never goes into the address bar"
    # It lasts across reruns of the session...
    ok(at.run())
    assert signed_in_line(at) == [f"Signed in as **{escape_markdown(LEAD_NAME)}** · lead"]
    # ...until the person signs out.
    sign_out = [b for b in at.sidebar.button if b.label == "Sign out"]
    assert len(sign_out) == 1
    ok(sign_out[0].click().run())
    assert signed_in_line(at) == []
    assert [e.label for e in at.sidebar.expander] == ["Sign in"]


# --- single sign-on identities (at.user stands for st.user after st.login) ---------------------


def test_single_sign_on_identity_is_mapped_to_the_person_by_email(demo_db):
    at = start(user={**VERIFIED, "email": "LEAD@northwindlabs.example", "name": "Someone Else"})
    assert signed_in_line(at) == [f"Signed in as **{escape_markdown(LEAD_NAME)}** · lead"]


def test_single_sign_on_with_an_unknown_email_is_nobody_and_says_whom_to_ask(demo_db):
    at = start(sidebar_script, user={**VERIFIED, "email": "new.hire@elsewhere.example"})
    assert signed_in_line(at) == []
    assert len(at.sidebar.warning) == 1
    assert escape_markdown("new.hire@elsewhere.example") in at.sidebar.warning[0].value
    assert "ask an admin to add you" in at.sidebar.warning[0].value
    assert page_sees(at) == "nobody"


@pytest.mark.parametrize(
    "claim",
    [
        {},
        {"email_verified": False},
        {"email_verified": "false"},
        {"email_verified": 0},
        {"email_verified": None},
        {"email_verified": "true"},
        {"email_verified": 1},
    ],
    ids=["absent", "false", "text false", "zero", "null", "text true", "one"],
)
def test_single_sign_on_signs_in_only_an_email_verified_as_exactly_true(demo_db, claim):
    """Before: anything but JSON false passed, an absent claim included."""
    at = start(sidebar_script, user={"is_logged_in": True, "email": LEAD, **claim})
    assert page_sees(at) == "nobody"
    assert signed_in_line(at) == []
    assert len(at.sidebar.warning) == 1 and "not verified" in at.sidebar.warning[0].value


@pytest.mark.parametrize("where", ["secrets", "environment"])
def test_an_admin_can_say_the_provider_does_not_send_email_verified(demo_db, monkeypatch, where):
    secrets = {"okr": {"sso_trust_unverified_email": True}} if where == "secrets" else None
    if where == "environment":
        monkeypatch.setenv("OKR_SSO_TRUST_UNVERIFIED_EMAIL", "1")
    at = start(sidebar_script, secrets=secrets, user={"is_logged_in": True, "email": LEAD})
    assert page_sees(at) == LEAD
    # A provider that does say the e-mail is not verified is still believed.
    for claim in (False, "false", 0):
        at = start(sidebar_script, secrets=secrets, user={"is_logged_in": True, "email": LEAD, "email_verified": claim})
        assert page_sees(at) == "nobody", claim


def test_the_trust_setting_is_off_unless_it_says_true(demo_db):
    at = start(
        sidebar_script,
        secrets={"okr": {"sso_trust_unverified_email": "no"}},
        user={"is_logged_in": True, "email": LEAD},
    )
    assert page_sees(at) == "nobody"


@pytest.mark.parametrize("verified", [True, False], ids=["unknown e-mail", "unverified e-mail"])
def test_an_email_holding_markdown_is_shown_as_text_in_the_warning(demo_db, verified):
    email = "[click here](https://evil.example/)**@elsewhere.example"
    at = start(sidebar_script, user={"is_logged_in": True, "email": email, "email_verified": verified})
    assert len(at.sidebar.warning) == 1
    warning = at.sidebar.warning[0].value
    assert escape_markdown(email) in warning, warning
    assert "[click here](https://evil.example/)" not in warning


def test_a_logged_out_single_sign_on_user_is_nobody(demo_db):
    at = start(sidebar_script, user={"is_logged_in": False, "email": LEAD})
    assert page_sees(at) == "nobody"


def test_signing_out_of_single_sign_on_logs_out(demo_db):
    at = start(sidebar_script, user={**VERIFIED, "email": LEAD})
    assert page_sees(at) == LEAD
    ok(at.sidebar.button(key="okr_sign_out").click().run())
    assert at.user.get("is_logged_in") is False
    assert page_sees(at) == "nobody"


# --- configuration ---------------------------------------------------------------------------


def test_sso_only_shows_the_provider_button_and_no_password_form(demo_db):
    secrets = {
        "okr": {"sign_in": "sso", "sso_label": "Sign in with Northwind SSO"},
        "auth": {
            "redirect_uri": "http://localhost:8501/oauth2callback",
            "cookie_secret": "x" * 32,
            "client_id": "okr",
            "client_secret": "s",
            "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
        },
    }
    at = start(sidebar_script, secrets=secrets)
    assert len(at.text_input) == 0
    assert [b.label for b in at.sidebar.button] == ["Sign in with Northwind SSO"]


def test_both_methods_when_auth_is_configured_with_named_providers(demo_db):
    secrets = {
        "okr": {},
        "auth": {
            "redirect_uri": "http://localhost:8501/oauth2callback",
            "cookie_secret": "x" * 32,
            "okta": {
                "client_id": "a",
                "client_secret": "b",
                "server_metadata_url": "https://o.example/.well-known/openid-configuration",
            },
        },
    }
    at = start(sidebar_script, secrets=secrets)
    assert [t.label for t in at.sidebar.text_input] == ["E-mail", "Password"]
    assert [b.label for b in at.sidebar.button if b.label != "Sign in"] == ["Sign in with Okta"]


def test_private_deployment_shows_nothing_before_sign_in(demo_db, monkeypatch):
    monkeypatch.setenv("OKR_PRIVATE", "1")
    at = start()
    assert [t.value for t in at.title] == ["Sign in"]
    assert len(at.info) == 1 and "private" in at.info[0].value
    assert len(at.selectbox) == 0, "not even the cycle and unit names"
    assert len(at.metric) == 0
    at = sign_in(at, "viewer@northwindlabs.example", "demo", where="main")
    assert signed_in_line(at) == [f"Signed in as **{escape_markdown('Vic Viewer (demo viewer)')}** · viewer"]
    assert len(at.selectbox) == 2
    assert "Sign in" not in [t.value for t in at.title]


def test_private_deployment_from_the_secrets_file(demo_db):
    at = start(sidebar_script, secrets={"okr": {"private": True}})
    assert [t.value for t in at.title] == ["Sign in"]
    assert not [m.value for m in at.markdown if m.value.startswith("page sees")], "the page did not run"


def test_private_deployment_with_single_sign_on_lets_the_person_in(demo_db, monkeypatch):
    monkeypatch.setenv("OKR_PRIVATE", "yes")
    at = start(sidebar_script, user={**VERIFIED, "email": LEAD})
    assert page_sees(at) == LEAD


# --- the gate before a write ----------------------------------------------------------------


def test_require_sign_in_stops_the_page_with_a_named_action_then_lets_the_person_through(demo_db):
    at = start(write_script)
    assert len(at.info) == 1 and at.info[0].value == "Sign in to save a check-in."
    assert not [m.value for m in at.markdown if m.value.startswith("form for")]
    at = sign_in(at, "admin@northwindlabs.example", "demo", where="main")
    assert [m.value for m in at.markdown if m.value.startswith("form for")] == [f"form for {ADMIN_NAME}"]


def test_a_person_archived_while_signed_in_is_signed_out_at_the_next_rerun(demo_db):
    at = sign_in(start(sidebar_script), LEAD, "demo")
    assert page_sees(at) == LEAD
    db = connect(demo_db)
    try:
        db.execute("UPDATE people SET archived = 1 WHERE email = ?", [LEAD])
        db.conn.commit()
    finally:
        db.close()
    ok(at.run())
    assert page_sees(at) == "nobody"


def test_a_role_change_shows_at_the_next_rerun(demo_db):
    at = sign_in(start(sidebar_script), LEAD, "demo")
    db = connect(demo_db)
    try:
        core.set_role(db, core.person_by_email(db, LEAD)["id"], "admin")
    finally:
        db.close()
    ok(at.run())
    assert signed_in_line(at) == [f"Signed in as **{escape_markdown(LEAD_NAME)}** · admin"]
