"""``okr user`` and ``okr init --admin-email``: accounts from the command line.

What is checked is what an admin would notice: the message, the exit status, and whether the
person can then sign in (through :func:`okrdata.auth.authenticate` on the same file).
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles
from click.testing import CliRunner

from okrdata import auth
from okrdata.cli import cli
from okrdata.db import connect

PASSWORD = "a long enough secret"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """The cheapest argon2 parameters (same format) and no password from the environment."""
    real = auth._hasher
    auth.set_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))
    monkeypatch.delenv("OKR_PASSWORD", raising=False)
    monkeypatch.delenv("OKR_ADMIN_PASSWORD", raising=False)
    yield
    auth.set_hasher(real)


def run(*args, input: str | None = None, env: dict | None = None):
    result = CliRunner().invoke(cli, [str(a) for a in args], input=input, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def signs_in(path, email: str, password: str) -> dict | None:
    db = connect(path)
    try:
        return auth.authenticate(db, email, password)
    finally:
        db.close()


def person(path, email: str) -> dict | None:
    db = connect(path)
    try:
        return auth.person_by_email(db, email)
    finally:
        db.close()


@pytest.fixture
def path(tmp_path):
    """An initialised database with a first admin, made as the README says."""
    target = tmp_path / "okr.db"
    secret = tmp_path / "admin-password"
    secret.write_text(PASSWORD + "\n")
    result = run(
        "init",
        "--db",
        target,
        "--admin-email",
        "Boss@Example.com",
        "--admin-name",
        "Bo Boss",
        "--admin-password-file",
        secret,
    )
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture
def password_file(tmp_path):
    f = tmp_path / "pw"
    f.write_text(PASSWORD + "\n")
    return f


# --- okr init makes a first admin ------------------------------------------------------------


def test_init_with_admin_email_makes_an_admin_who_can_sign_in(path):
    admin = signs_in(path, "boss@example.com", PASSWORD)
    assert admin is not None and admin["role"] == "admin" and admin["name"] == "Bo Boss"


def test_init_prompts_for_the_admin_password_twice(tmp_path):
    target = tmp_path / "okr.db"
    result = run(
        "init", "--db", target, "--admin-email", "a@example.com", "--admin-name", "A", input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output
    assert signs_in(target, "a@example.com", PASSWORD)["role"] == "admin"


def test_init_takes_the_admin_password_from_the_environment(tmp_path):
    target = tmp_path / "okr.db"
    result = run(
        "init",
        "--db",
        target,
        "--admin-email",
        "a@example.com",
        "--admin-name",
        "A",
        env={"OKR_ADMIN_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    assert signs_in(target, "a@example.com", PASSWORD)["role"] == "admin"


def test_init_without_an_admin_says_how_to_make_one(tmp_path):
    result = run("init", "--db", tmp_path / "okr.db")
    assert result.exit_code == 0
    assert "no admin yet" in result.output
    assert "okr user add" in result.output and "--role admin" in result.output


def test_init_on_a_database_with_an_admin_says_nothing_about_admins(path):
    result = run("init", "--db", path)
    assert result.exit_code == 0
    assert "no admin" not in result.output


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--admin-email", "not-an-email", "--admin-name", "A"], "--admin-email"),
        (["--admin-email", "a@example.com"], "--admin-name"),
        (["--admin-name", "A"], "--admin-email"),
    ],
)
def test_init_refuses_bad_admin_input_before_creating_anything(tmp_path, password_file, args, field):
    target = tmp_path / "okr.db"
    result = run("init", "--db", target, *args, "--admin-password-file", password_file)
    assert result.exit_code == 2
    assert f"Error: {field}:" in result.output
    assert not target.exists(), "nothing is created when the admin's details are wrong"


def test_init_refuses_a_short_admin_password_and_keeps_the_old_database(path, tmp_path):
    short = tmp_path / "short"
    short.write_text("demo\n")
    result = run(
        "init",
        "--db",
        path,
        "--fresh",
        "--admin-email",
        "new@example.com",
        "--admin-name",
        "N",
        "--admin-password-file",
        short,
    )
    assert result.exit_code == 2
    assert "Error: --admin-password-file: must be at least 8 characters" in result.output
    assert person(path, "boss@example.com") is not None, "--fresh moved nothing aside"


def test_init_admin_email_of_an_existing_person_makes_them_admin(path, password_file):
    assert run("user", "add", "lee@example.com", "--name", "Lee", "--db", path, "--no-password").exit_code == 0
    result = run("init", "--db", path, "--admin-email", "lee@example.com", "--admin-password-file", password_file)
    assert result.exit_code == 0, result.output
    assert signs_in(path, "lee@example.com", PASSWORD)["role"] == "admin"


# --- okr user add ------------------------------------------------------------------------------


def test_user_add_with_a_password_file(path, password_file):
    result = run(
        "user",
        "add",
        "Lee@Example.com",
        "--name",
        "Lee Lead",
        "--role",
        "lead",
        "--password-file",
        password_file,
        "--db",
        path,
    )
    assert result.exit_code == 0, result.output
    assert "Added Lee Lead <lee@example.com> as lead" in result.output
    assert signs_in(path, "lee@example.com", PASSWORD)["role"] == "lead"


def test_user_add_reads_the_password_from_stdin(path):
    result = run(
        "user", "add", "lee@example.com", "--name", "Lee", "--password-file", "-", "--db", path, input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert signs_in(path, "lee@example.com", PASSWORD)["role"] == "viewer"


def test_user_add_prompts_twice_and_refuses_a_mismatch(path):
    result = run(
        "user",
        "add",
        "lee@example.com",
        "--name",
        "Lee",
        "--db",
        path,
        input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output.lower()
    assert signs_in(path, "lee@example.com", PASSWORD) is not None


def test_user_add_without_a_password_for_single_sign_on(path):
    result = run("user", "add", "sso@example.com", "--name", "Sam", "--no-password", "--db", path)
    assert result.exit_code == 0, result.output
    assert "single sign-on only" in result.output
    assert person(path, "sso@example.com")["role"] == "viewer"


def test_user_add_with_units_lets_a_lead_edit_them(path):
    db = connect(path)
    try:
        from okrdata import writes

        company = writes.add_unit(db, "Acme", person=writes.SYSTEM)
        sales = writes.add_unit(db, "Sales", parent_id=company, person=writes.SYSTEM)
    finally:
        db.close()
    result = run(
        "user",
        "add",
        "sam@example.com",
        "--name",
        "Sam",
        "--role",
        "lead",
        "--unit",
        "sales",
        "--no-password",
        "--db",
        path,
    )
    assert result.exit_code == 0, result.output
    db = connect(path)
    try:
        assert auth.editable_unit_ids(db, auth.person_by_email(db, "sam@example.com")["id"]) == {sales}
    finally:
        db.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["boss@example.com", "--name", "Again", "--no-password"], "Error: email: boss@example.com belongs to someone"),
        (["nonsense", "--name", "X", "--no-password"], "Error: email:"),
        (["x@example.com", "--name", "  ", "--no-password"], "Error: --name:"),
        (["x@example.com", "--name", "X", "--unit", "Nowhere", "--no-password"], "Error: --unit: no unit is called"),
        (["x@example.com", "--name", "X", "--role", "boss", "--no-password"], "Invalid value for '--role'"),
        (["x@example.com", "--name", "X", "--no-password", "--password-file", "pw"], "Error: --no-password:"),
    ],
)
def test_user_add_refuses_bad_input(path, args, message):
    before = [p["email"] for p in auth.people_with_access(connect(path))]
    result = run("user", "add", *args, "--db", path)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert [p["email"] for p in auth.people_with_access(connect(path))] == before


def test_user_add_refuses_a_short_password(path, tmp_path):
    short = tmp_path / "short"
    short.write_text("1234567\n")
    result = run("user", "add", "x@example.com", "--name", "X", "--password-file", short, "--db", path)
    assert result.exit_code == 2
    assert "Error: --password-file: must be at least 8 characters long (it has 7)." in result.output
    assert person(path, "x@example.com") is None


def test_user_add_with_a_missing_password_file(path, tmp_path):
    result = run("user", "add", "x@example.com", "--name", "X", "--password-file", tmp_path / "nope", "--db", path)
    assert result.exit_code == 2
    assert "Error: --password-file: cannot read" in result.output


def test_user_commands_on_a_missing_database(tmp_path):
    result = run("user", "list", "--db", tmp_path / "none.db")
    assert result.exit_code == 2
    assert "does not exist" in result.output


# --- okr user passwd / role / list -----------------------------------------------------------


def test_user_passwd_changes_the_password(path, tmp_path):
    new = tmp_path / "new"
    new.write_text("another good secret\n")
    result = run("user", "passwd", "BOSS@example.com", "--password-file", new, "--db", path)
    assert result.exit_code == 0, result.output
    assert signs_in(path, "boss@example.com", "another good secret") is not None
    assert signs_in(path, "boss@example.com", PASSWORD) is None


def test_user_passwd_from_the_environment(path):
    result = run("user", "passwd", "boss@example.com", "--db", path, env={"OKR_PASSWORD": "from the env var"})
    assert result.exit_code == 0, result.output
    assert signs_in(path, "boss@example.com", "from the env var") is not None


def test_user_passwd_clear(path):
    result = run("user", "passwd", "boss@example.com", "--clear", "--db", path)
    assert result.exit_code == 0
    assert signs_in(path, "boss@example.com", PASSWORD) is None


def test_user_passwd_for_nobody(path, password_file):
    result = run("user", "passwd", "ghost@example.com", "--password-file", password_file, "--db", path)
    assert result.exit_code == 2
    assert "Error: email: nobody has the e-mail 'ghost@example.com'; see `okr user list`." in result.output


def test_user_role(path):
    run("user", "add", "lee@example.com", "--name", "Lee", "--no-password", "--db", path)
    result = run("user", "role", "lee@example.com", "LEAD", "--db", path)
    assert result.exit_code == 0, result.output
    assert "lee@example.com is now lead (was viewer)." in result.output
    assert person(path, "lee@example.com")["role"] == "lead"


@pytest.mark.parametrize(
    ("email", "role", "message"),
    [
        ("boss@example.com", "owner", "Error: role: must be one of viewer, lead, admin"),
        ("boss@example.com", "viewer", "Error: role: boss@example.com is the last admin"),
        ("ghost@example.com", "lead", "Error: email: nobody has the e-mail"),
    ],
)
def test_user_role_refuses(path, email, role, message):
    result = run("user", "role", email, role, "--db", path)
    assert result.exit_code == 2
    assert message in result.output
    assert person(path, "boss@example.com")["role"] == "admin"


def test_user_list(path):
    run("user", "add", "lee@example.com", "--name", "Lee", "--role", "lead", "--no-password", "--db", path)
    result = run("user", "list", "--db", path)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["email", "name", "role", "password", "edits"]
    assert lines[1].split()[:5] == ["boss@example.com", "Bo", "Boss", "admin", "yes"]
    assert lines[2].split()[:4] == ["lee@example.com", "Lee", "lead", "no"]
    assert "no admin" not in result.output


@pytest.mark.slow
def test_user_list_on_the_demo_shows_the_demo_accounts(tmp_path):
    target = tmp_path / "demo.db"
    assert run("demo", "--db", target).exit_code == 0
    result = run("user", "list", "--db", target)
    assert result.exit_code == 0
    with_password = [line.split()[0] for line in result.output.splitlines()[1:] if " yes " in f" {line} "]
    assert with_password == [
        "admin@northwindlabs.example",
        "lead@northwindlabs.example",
        "viewer@northwindlabs.example",
    ]
