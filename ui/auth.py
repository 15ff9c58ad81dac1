"""Who is signed in, the sign-in controls, and the gates that pages put before a write.

Reading needs no sign-in unless the deployment is private; writing always does. Two ways to
sign in, chosen in configuration (README, "Sign in"):

* **local accounts**: an e-mail and password form, checked by :func:`okrdata.auth.sign_in`.
  The signed-in person's id is kept in ``st.session_state`` only, never in the URL, so it
  lasts as long as the browser tab's session (a reload asks again);
* **single sign-on**: ``st.login`` with the OpenID Connect provider of the ``[auth]`` block in
  ``.streamlit/secrets.toml``. Streamlit keeps the identity in a signed cookie; the e-mail it
  carries (``st.user.email``) is looked up among the people, if the provider says it is
  verified (:func:`email_verified`). An e-mail nobody has is signed in as nobody, with a
  message to ask an admin.

Configuration, from ``[okr]`` in ``.streamlit/secrets.toml``, each overridden by an
environment variable: ``private = true`` / ``OKR_PRIVATE=1`` (every page asks for sign-in
first), ``sign_in = "local" | "sso" | "both"`` / ``OKR_SIGN_IN`` (default: local accounts,
plus single sign-on when an ``[auth]`` block is configured) and
``sso_trust_unverified_email = true`` / ``OKR_SSO_TRUST_UNVERIFIED_EMAIL=1`` (the provider
sends no ``email_verified``).

Text that comes from people (names, e-mails, what was typed) reaches the screen through
:func:`ui.badges.escape_markdown`.

Every call reads the person afresh from the database, so a role changed or an account archived
by an admin takes effect at the next rerun. Pages ask :func:`require_sign_in` before a write
and then :func:`okrdata.auth.check_can_edit` for the unit. An AppTest signs someone in with
``at.session_state[PERSON_KEY] = person_id``, or as single sign-on would with
``at.user = {"is_logged_in": True, "email": ...}``.

The buttons act through ``on_click`` callbacks, not their return values: a callback runs before
the script, so it still acts when the run is sent back through ``app.py`` (see
:func:`ui.frame.adopt_navigation`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from okrdata import auth as core
from okrdata.errors import ValidationError
from ui import data
from ui.badges import escape_markdown

PERSON_KEY = "okr_person_id"
"""``st.session_state`` key of the locally signed-in person's id."""
ERROR_KEY = "okr_sign_in_error_"
NO_ADMIN_NOTE = 'There is no admin yet: make one with `okr user add you@example.com --name "Your Name" --role admin`.'
FIELD_LABELS = {"email": "E-mail", "password": "Password"}
METHODS = ("local", "sso", "both")
DEMO_ACCOUNTS_NOTE = (
    "Demo accounts: `admin@northwindlabs.example`, `lead@northwindlabs.example` and "
    f"`viewer@northwindlabs.example`, password `{core.DEMO_PASSWORD}`."
)
TRUE = ("1", "true", "yes", "on")


# --- configuration ----------------------------------------------------------------------


def _secrets_section(name: str) -> dict[str, Any]:
    """A section of ``.streamlit/secrets.toml`` as a dict; empty when there is no file or section."""
    try:
        if not st.secrets.load_if_toml_exists():
            return {}
        section = st.secrets.get(name)
    except Exception:  # an unreadable secrets file must not take the dashboard down
        return {}
    return dict(section) if isinstance(section, Mapping) else {}


@dataclass(frozen=True)
class Settings:
    """How this deployment signs people in."""

    private: bool
    local: bool
    sso_providers: tuple[str | None, ...]
    """``st.login`` provider names: None for the unnamed ``[auth]`` provider."""
    sso_label: str
    sso_missing: bool
    """Single sign-on was asked for, but ``[auth]`` names no provider."""
    sso_trust_unverified_email: bool = False
    """The admin says the provider does not send ``email_verified``: its e-mails are taken as
    they come, unless it says one is not verified (see :func:`email_verified`)."""


def _providers(auth: Mapping[str, Any]) -> tuple[str | None, ...]:
    names: list[str | None] = []
    if auth.get("client_id"):
        names.append(None)
    for name, value in auth.items():
        if isinstance(value, Mapping) and value.get("client_id"):
            names.append(str(name))
    return tuple(names)


def _switch(okr: Mapping[str, Any], key: str, variable: str) -> bool:
    """An on/off setting: the environment variable when set, else the ``[okr]`` key; off unless
    it says true (``true``, ``1``, ``yes``, ``on``)."""
    raw = os.environ.get(variable)
    if raw in (None, ""):
        raw = okr.get(key)
    return raw is True or str(raw if raw is not None else "").strip().lower() in TRUE


def settings() -> Settings:
    """The sign-in settings: environment variables first, then ``[okr]`` in the secrets file."""
    okr = _secrets_section("okr")
    private = _switch(okr, "private", "OKR_PRIVATE")
    providers = _providers(_secrets_section("auth"))
    method = str(os.environ.get("OKR_SIGN_IN") or okr.get("sign_in") or "").strip().lower()
    if method not in METHODS:
        method = "both" if providers else "local"
    wants_sso = method in ("sso", "both")
    return Settings(
        private=private,
        local=method in ("local", "both") or (wants_sso and not providers),
        sso_providers=providers if wants_sso else (),
        sso_label=str(okr.get("sso_label") or "Sign in with single sign-on"),
        sso_missing=wants_sso and not providers,
        sso_trust_unverified_email=_switch(okr, "sso_trust_unverified_email", "OKR_SSO_TRUST_UNVERIFIED_EMAIL"),
    )


# --- who is signed in -------------------------------------------------------------------


def sso_identity() -> dict[str, Any] | None:
    """What single sign-on says about this browser (``st.user``), or None when not signed in."""
    try:
        user = st.user.to_dict()
    except Exception:
        return None
    if user.get("is_logged_in") is not True:
        return None
    return user


_SAYS_NOT_VERIFIED = ("false", "0", "no", "off", "")


def email_verified(identity: Mapping[str, Any], trust_unverified: bool = False) -> bool:
    """Whether single sign-on's e-mail may name a person: only when the provider's
    ``email_verified`` claim is exactly JSON ``true``.

    Not ``"true"`` as text, nor 1, nor a missing claim: anyone can open an account at some
    providers with an e-mail that is not theirs. When the admin says the provider does not send
    the claim (``sso_trust_unverified_email``), a missing or odd claim is accepted, but one that
    says no (``false``, ``"false"``, ``0``...) is still believed.
    """
    claim = identity.get("email_verified")
    if claim is True:
        return True
    if not trust_unverified:
        return False
    return claim is None or str(claim).strip().lower() not in _SAYS_NOT_VERIFIED


def _sso_person(identity: Mapping[str, Any]) -> tuple[dict | None, str | None]:
    """The person single sign-on names, or None with the reason to show (Markdown, the e-mail
    escaped: it is whatever the provider sent)."""
    email = str(identity.get("email") or "").strip()
    if not email:
        return None, (
            "Your single sign-on account did not share an e-mail address, so the dashboard cannot "
            "tell who you are; ask an admin to add the `email` scope."
        )
    shown = escape_markdown(email)
    if not email_verified(identity, settings().sso_trust_unverified_email):
        return None, (
            f"Your e-mail {shown} is not verified by the single sign-on provider; verify it there first, "
            "or ask an admin."
        )
    with data.opened() as db:
        person = core.person_by_email(db, email)
    if person is None:
        return None, f"You are signed in as {shown}, but nobody here has that e-mail: ask an admin to add you."
    if person["archived"]:
        return None, f"The account {shown} is archived: ask an admin."
    return person, None


def current_person() -> dict | None:
    """The signed-in person (id, name, email, role, archived), or None when signed out."""
    person_id = st.session_state.get(PERSON_KEY)
    if person_id is not None:
        with data.opened() as db:
            person = core.person_by_id(db, person_id)
        if person is not None and not person["archived"]:
            return person
        del st.session_state[PERSON_KEY]  # removed or archived since: signed out
    identity = sso_identity()
    if identity is not None:
        return _sso_person(identity)[0]
    return None


def reading_allowed() -> bool:
    """True when this visitor may see the dashboard: it is not private, or they are signed in."""
    return not settings().private or current_person() is not None


def sign_out() -> None:
    """Forget the local sign-in and, when signed in through single sign-on, log out of it."""
    st.session_state.pop(PERSON_KEY, None)
    if sso_identity() is not None:
        st.logout()  # redirects: Streamlit drops its identity cookie and starts a new session


# --- the controls -----------------------------------------------------------------------


def client_address() -> str | None:
    """The address this browser connects from, for slowing down password guessing
    (:func:`okrdata.auth.sign_in`): ``st.context.ip_address``.

    That is the TCP peer of the browser's connection, or, when the connection comes from an
    address the server trusts as a proxy (127.0.0.1 unless ``FORWARDED_ALLOW_IPS`` says
    otherwise), the browser's address the proxy passed on in ``X-Forwarded-For``. None from
    this machine (Streamlit hides loopback addresses) and in tests.
    """
    return st.context.ip_address


def _submit(where: str) -> None:
    """The form's callback: check the password before the rerun draws anything."""
    state = st.session_state
    email = state.get(f"okr_sign_in_email_{where}", "")
    password = state.get(f"okr_sign_in_password_{where}", "")
    state[f"okr_sign_in_password_{where}"] = ""  # never kept once tried
    try:
        with data.opened() as db:
            person = core.sign_in(db, email, password, client=client_address())
    except ValidationError as exc:
        state[ERROR_KEY + where] = exc
    else:
        state.pop(ERROR_KEY + where, None)
        state[PERSON_KEY] = person["id"]


def show_error(exc: ValidationError) -> None:
    """A refused input, with the field it concerns named first."""
    label = FIELD_LABELS.get(exc.field, exc.field.replace("_", " ").capitalize())
    st.error(f"**{label}**: {escape_markdown(exc.message)}", icon=":material/error:")  # may repeat what was typed


def sign_in_form(where: str = "main") -> None:
    """The sign-in controls this deployment offers; ``where`` keeps the widget keys apart."""
    config = settings()
    if config.local:
        with st.form(f"okr_sign_in_{where}", border=where == "main"):
            st.text_input("E-mail", key=f"okr_sign_in_email_{where}", autocomplete="username")
            st.text_input(
                "Password", type="password", key=f"okr_sign_in_password_{where}", autocomplete="current-password"
            )
            st.form_submit_button("Sign in", type="primary", on_click=_submit, args=(where,))
        error = st.session_state.pop(ERROR_KEY + where, None)
        if error is not None:
            show_error(error)
        if data.is_demo():
            st.caption(DEMO_ACCOUNTS_NOTE)
        elif not _has_admin():
            st.caption(NO_ADMIN_NOTE)
    for provider in config.sso_providers:
        label = config.sso_label if provider is None else f"Sign in with {provider.replace('-', ' ').title()}"
        st.button(
            label,
            key=f"okr_sso_{where}_{provider or 'default'}",
            icon=":material/login:",
            on_click=st.login,
            args=(provider,),
        )
    if config.sso_missing:
        st.caption("Single sign-on is switched on but `.streamlit/secrets.toml` has no `[auth]` provider.")


def _has_admin() -> bool:
    with data.opened() as db:
        return core.admin_count(db) > 0


def _sso_problem() -> str | None:
    identity = sso_identity()
    return _sso_person(identity)[1] if identity is not None else None


def sign_in_sidebar() -> None:
    """In the sidebar: who is signed in with a sign-out button, or the sign-in controls."""
    person = current_person()
    with st.sidebar:
        st.divider()
        if person is not None:
            st.markdown(f"Signed in as **{escape_markdown(person['name'])}** · {escape_markdown(person['role'])}")
            st.button("Sign out", key="okr_sign_out", icon=":material/logout:", on_click=sign_out)
            return
        problem = _sso_problem()
        if problem:
            st.warning(problem, icon=":material/person_off:")
            st.button("Sign out", key="okr_sign_out", icon=":material/logout:", on_click=sign_out)
            return
        # Open while it has an error to show, so a failed try is never hidden in a folded box.
        with st.expander("Sign in", icon=":material/login:", expanded=ERROR_KEY + "sidebar" in st.session_state):
            sign_in_form("sidebar")
        st.caption("Anyone can read; sign in to make changes.")


def require_sign_in(action: str) -> dict:
    """The signed-in person; otherwise "Sign in to <action>" with the sign-in form, and stop."""
    person = current_person()
    if person is not None:
        return person
    problem = _sso_problem()
    st.info(f"Sign in to {action}.", icon=":material/lock:")
    if problem:
        st.warning(problem, icon=":material/person_off:")
    sign_in_form("main")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises; this keeps type checkers calm


def gate() -> None:
    """For a private deployment: ask a signed-out visitor to sign in before anything is shown."""
    if reading_allowed():
        return
    st.title("Sign in")
    st.info("This OKR dashboard is private: sign in to see it.", icon=":material/lock:")
    problem = _sso_problem()
    if problem:
        st.warning(problem, icon=":material/person_off:")
    sign_in_form("main")
    st.stop()
