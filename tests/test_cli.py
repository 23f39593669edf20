"""The `fieldapp` command line, run as an operator would (click's CliRunner)."""

import pytest
import sqlite_utils
from click.testing import CliRunner

from fieldapp import demo_programme, devices, users
from fieldapp.cli import main
from fieldapp.db import open_db


@pytest.fixture
def run(tmp_path):
    env = {"FIELDAPP_INSTANCE": str(tmp_path / "instance")}

    def run(*args, input=None):
        result = CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)
        return result

    run.database = tmp_path / "instance" / "fieldapp.db"
    run.instance = tmp_path / "instance"
    return run


def test_init_demo_creates_demo_users_and_people(run):
    result = run("init", "--demo")
    assert result.exit_code == 0, result.output
    db = sqlite_utils.Database(run.database)
    assert {row["username"] for row in db["user"].rows} == {
        "outreach", "outreach2", "peer", "navigator", "coordinator", "partner", "admin", "manager"}
    # The demo people, and the programme's cohort over time (fieldapp/demo_programme.py).
    assert {row["display_name"] for row in db["person"].rows} == {
        "Dan", "Woman in green coat", "Kerry", "Sam", "Lee", *(c[0] for c in demo_programme.COHORT)}
    assert db["directory_entry"].count and db["barrier"].count and db["lesson"].count
    assert db["contact"].count >= 10
    # Safety: the navigator is the lead, with concerns to decide; a week of the on-call rota.
    assert [r["username"] for r in db.query("SELECT username FROM user WHERE safeguarding_lead = 1")] == [
        "navigator"]
    assert db["safeguarding_concern"].count == 2 and db["safeguarding_decision"].count == 1
    assert db["on_call"].count == 7
    # A secret key was made for this instance, not a fixed development key.
    assert len((run.instance / "secret_key").read_text().strip()) == 64
    # Running it again adds nothing.
    assert "no demo data added" in run("init", "--demo").output
    assert sqlite_utils.Database(run.database)["user"].count == 8


def test_create_user_set_password_and_deactivate(run):
    run("init")
    result = run("create-user", "kim", "--role", "trusted_person", "--team", "Fenland navigators",
                 "--area", "Fenland and East Cambridgeshire", "--name", "Kim", input="first-pass-phrase\nfirst-pass-phrase\n")
    assert result.exit_code == 0, result.output
    db = open_db(run.database)
    assert users.verify_login(db, "kim", "first-pass-phrase")["display_name"] == "Kim"

    result = run("set-password", "kim", "--password-stdin", input="second-pass-phrase\n")
    assert result.exit_code == 0, result.output
    assert users.verify_login(db, "kim", "first-pass-phrase") is None
    assert users.verify_login(db, "kim", "second-pass-phrase") is not None

    user = users.get_user_by_username(db, "kim")
    token = devices.start_session(db, user["id"], None)
    assert devices.session_user(db, token) is not None
    assert run("deactivate-user", "kim").exit_code == 0
    assert devices.session_user(db, token) is None
    assert users.verify_login(db, "kim", "second-pass-phrase") is None
    db.close()


def test_create_user_refuses_duplicates_and_unknown_roles(run):
    run("init")
    assert run("create-user", "kim", "--role", "coordinator", "--password-stdin", input="coordinator-phrase\n").exit_code == 0
    result = run("create-user", "kim", "--role", "coordinator", "--password-stdin",
                 input="coordinator-phrase\n")
    assert result.exit_code != 0 and "already taken" in result.output
    assert run("create-user", "lou", "--role", "wizard", "--password-stdin", input="x\n").exit_code != 0
    assert run("set-password", "nobody", "--password-stdin", input="x\n").exit_code != 0


@pytest.mark.parametrize("password,problem", [("elevenchars", "at least 12 characters"),
                                              ("qwerty123456", "common passwords"),
                                              ("kim-the-navigator", "username")])
def test_create_user_applies_the_password_policy(run, password, problem):
    run("init")
    result = run("create-user", "kim", "--role", "trusted_person", "--password-stdin",
                 input=password + "\n")
    assert result.exit_code != 0 and problem in result.output
    assert users.get_user_by_username(open_db(run.database), "kim") is None


def test_set_password_applies_the_password_policy(run):
    run("init")
    run("create-user", "kim", "--role", "trusted_person", "--password-stdin", input="first-pass-phrase\n")
    result = run("set-password", "kim", "--password-stdin", input="qwerty123456\n")
    assert result.exit_code != 0 and "common passwords" in result.output
    assert users.verify_login(open_db(run.database), "kim", "first-pass-phrase") is not None


def test_set_password_ends_every_session_of_that_user(run):
    run("init")
    run("create-user", "kim", "--role", "trusted_person", "--password-stdin", input="first-pass-phrase\n")
    db = open_db(run.database)
    token = devices.start_session(db, users.get_user_by_username(db, "kim")["id"], None)
    assert run("set-password", "kim", "--password-stdin", input="second-pass-phrase\n").exit_code == 0
    assert devices.session_user(db, token) is None
    db.close()


def test_set_password_is_a_one_time_reset_in_the_audit_trail(run):
    run("init")
    run("create-user", "kim", "--role", "trusted_person", "--password-stdin", input="first-pass-phrase\n")
    run("set-password", "kim", "--password-stdin", input="second-pass-phrase\n")
    db = open_db(run.database)
    kim = users.get_user_by_username(db, "kim")
    assert kim["must_change_password"] and kim["password_reset_at"]
    [event] = db.query("SELECT * FROM audit_event WHERE action = 'password_reset'")
    assert (event["user_id"], event["subject_user_id"], event["via"]) == (None, kim["id"], "cli")
    db.close()


def test_create_a_partner_agency_worker(run):
    run("init")
    result = run("create-user", "pia", "--role", "partner_agency", "--agency", "cgl",
                 "--password-stdin", input="partner-pass-phrase\n")
    assert result.exit_code == 0, result.output
    db = open_db(run.database)
    assert users.get_user_by_username(db, "pia")["agency"] == "cgl"
    db.close()


def test_the_instance_config_file_is_read(tmp_path, monkeypatch):
    """README: settings go in $FIELDAPP_INSTANCE/config.py; they take effect."""
    from fieldapp import create_app

    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("CASELOAD_CAP = 8\nSESSION_COOKIE_SECURE = True\n")
    monkeypatch.setenv("FIELDAPP_INSTANCE", str(instance))
    app = create_app()
    assert app.config["CASELOAD_CAP"] == 8 and app.config["SESSION_COOKIE_SECURE"] is True


def test_rotate_sealing_key_makes_a_new_current_key_and_keeps_the_old(run):
    from fieldapp.rules import sealing

    assert run("init").exit_code == 0
    old = sealing.keyring(run.instance).current_kid
    result = run("rotate-sealing-key")
    assert result.exit_code == 0, result.output
    ring = sealing.keyring(run.instance)
    assert ring.current_kid != old and old in ring.by_kid and old in result.output
