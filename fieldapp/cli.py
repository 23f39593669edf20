"""The `fieldapp` command line: a thin layer over `users`, `rules/leavers`, `migrations` and `demo`.

Every command runs inside the app's context, with the instance folder from $FIELDAPP_INSTANCE
(default ./instance).
"""

import os
import sys
from pathlib import Path

import click

from . import create_app, users
from .db import open_db
from .migrations import migrate
from .rules import passwords


class _Context:
    def __init__(self, app):
        self.app = app

    def db(self):
        """The instance database, migrated."""
        db = open_db(self.app.config["DATABASE"])
        migrate(db)
        return db


@click.group()
@click.pass_context
def main(ctx):
    """fieldapp: casework for outreach workers, peer mentors, trusted persons and coordinators."""
    if ctx.obj is None:
        ctx.obj = _Context(create_app())
    app_context = ctx.obj.app.app_context()
    app_context.push()
    ctx.call_on_close(app_context.pop)


def _read_password(from_stdin, username):
    """The new password for `username`, from standard input or asked for twice; held to the
    password policy (passwords.password_problem), as the web forms are."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.UsageError("No password on standard input")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = passwords.password_problem(password, username)
    if problem:
        raise click.ClickException(problem)
    return password


def _user_or_fail(db, username):
    user = users.get_user_by_username(db, username)
    if user is None:
        raise click.ClickException(f"No user called {username!r}")
    return user


@main.command()
@click.option("--demo", is_flag=True, help="Add demo users and people (only if there are no users yet).")
@click.pass_obj
def init(obj, demo):
    """Create or migrate the database in the instance folder."""
    from .demo import load_demo

    db = obj.db()
    click.echo(f"Database ready: {obj.app.config['DATABASE']}")
    if demo:
        if load_demo(db, obj.app.config, programme=True):
            click.echo("Demo users and people added; every demo password is 'demo'.")
        else:
            click.echo("Users already exist: no demo data added.")
    db.close()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--replicate", is_flag=True,
              help="Run under Litestream, replicating every commit to REPLICA_URL.")
@click.option("--replicated", is_flag=True, hidden=True,
              help="Set by --replicate for the app Litestream starts: Litestream checkpoints.")
@click.pass_obj
def serve(obj, host, port, threads, replicate, replicated):
    """Serve the app with waitress; with --replicate, as Litestream's child."""
    import waitress

    obj.db().close()  # migrate before the first request (and before Litestream opens it)
    if replicate:
        from .replication import ReplicationError, replicate_command

        try:
            command = replicate_command(obj.app.config, ["--host", host, "--port", str(port),
                                                         "--threads", str(threads)])
        except ReplicationError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"fieldapp on http://{host}:{port}/, replicating to "
                   f"{obj.app.config['REPLICA_URL']}")
        sys.stdout.flush()
        os.execv(command[0], command)  # Litestream takes this process's place (and its signals)
    if replicated:
        obj.app.config["REPLICATED"] = True
        obj.app.config["WAL_AUTOCHECKPOINT_PAGES"] = 0  # Litestream is the only checkpointer
    click.echo(f"fieldapp on http://{host}:{port}/")
    # channel_request_lookahead: waitress keeps reading a connection while its request runs, so
    # it sees a client that has gone (environ["waitress.client_disconnected"], fieldapp/web/api.py).
    waitress.serve(obj.app, host=host, port=port, threads=threads, channel_request_lookahead=1)


@main.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(list(users.ROLES)))
@click.option("--team", default=None)
@click.option("--area", default=None)
@click.option("--name", "display_name", default=None, help="The name shown to colleagues.")
@click.option("--agency", default=None,
              help="For a partner agency worker: their agency (a key of PARTNER_AGENCIES).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
def create_user(obj, username, role, team, area, display_name, agency, password_stdin):
    """Add a user; asks for the password."""
    db = obj.db()
    password = _read_password(password_stdin, username)
    try:
        users.create_user(db, username, password, role, display_name=display_name, team=team,
                             area=area, agency=agency)
    except users.AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Added {username} ({users.ROLES[role]})")


@main.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
def set_password(obj, username, password_stdin):
    """Reset a user's password; asks for it. As an administrator's reset in the app: it works
    once (they choose their own at sign-in), their sessions end, it is audited, they are told."""
    from .rules import passwords

    db = obj.db()
    user = _user_or_fail(db, username)
    # Sent before the command ends: a background thread would die with it.
    config = {**obj.app.config, "PUSH_IN_BACKGROUND": False}
    passwords.reset(db, config, user["id"], _read_password(password_stdin, username))
    click.echo(f"Password reset for {username}: signed out everywhere; they choose their own at "
               "their next sign-in")


@main.command("deactivate-user")
@click.argument("username")
@click.pass_obj
def deactivate_user(obj, username):
    """Shut a user out at once: sessions end, devices are revoked."""
    db = obj.db()
    user = _user_or_fail(db, username)
    from .rules.leavers import deactivate

    deactivate(db, user["id"])
    click.echo(f"Deactivated {username}: sessions ended, devices revoked")


@main.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False))
@click.pass_obj
def backup_command(obj, destination):
    """Make a consistent copy of the database while the app keeps serving."""
    from .backup import BackupError, backup

    try:
        figures = backup(obj.app.config["DATABASE"], destination)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up to {figures['path']}: {figures['bytes']} bytes, "
               f"{figures['person']} people, {figures['contact']} contacts; integrity ok")


@main.command("restore")
@click.argument("copy", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--from-replica", is_flag=True, help="Restore from REPLICA_URL (Litestream).")
@click.option("--timestamp", default=None,
              help="With --from-replica: the state at this time (RFC 3339, e.g. 2026-11-22T15:00:00Z).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def restore_command(obj, copy, from_replica, timestamp, yes):
    """Put a backup, or the replica, in place of the database (stop the app first)."""
    from .backup import BackupError, restore

    database = obj.app.config["DATABASE"]
    if bool(copy) == from_replica:
        raise click.UsageError("Give a COPY or --from-replica (one of them)")
    if timestamp and not from_replica:
        raise click.UsageError("--timestamp goes with --from-replica")
    source = copy or obj.app.config["REPLICA_URL"]
    kept = (f"The previous database is kept as {database}.before-restore"
            if Path(database).exists() else "There was no database before.")
    if not yes:
        click.confirm(f"Replace {database} with {source}? Stop the app first.", abort=True)
    if from_replica:
        from .replication import ReplicationError, restore_from_replica

        try:
            figures = restore_from_replica(obj.app.config, timestamp)
        except ReplicationError as error:
            raise click.ClickException(str(error)) from error
        pending = len(figures["pending_migrations"])
        click.echo(f"Restored from {source}{' at ' + timestamp if timestamp else ''} in "
                   f"{figures['seconds']} s: {figures['person']} people, {figures['contact']} "
                   f"contacts; integrity ok; {pending} migrations to apply at the next start. {kept}")
        return
    try:
        figures = restore(copy, database)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {copy}: {figures['person']} people, {figures['contact']} contacts. {kept}")



@main.command("apply-retention")
@click.option("--apply", "really", is_flag=True,
              help="Erase for good. Without it, only count what would be erased (a dry run).")
@click.pass_obj
def apply_retention_command(obj, really):
    """Erase the records of people whose support closed more than RETENTION_YEARS ago, and the
    lone-working visits last heard of more than VISIT_RETENTION_DAYS ago."""
    from .records import make_engine
    from .rules.retention import apply_retention

    db = obj.db()
    config = obj.app.config
    result = apply_retention(db, config, make_engine(db, config), apply=really)
    db.close()
    records = ", ".join(f"{n} {t}" for t, n in sorted(result["records"].items())) or "no records"
    years, days = config["RETENTION_YEARS"], config["VISIT_RETENTION_DAYS"]
    what = (f"{result['people']} people closed more than {years} years ago and "
            f"{result['visits']} visits last heard of more than {days} days ago ({records})")
    if really:
        click.echo(f"Erased {what}; in the audit trail as retention_applied.")
    else:
        click.echo(f"Dry run: {what} would be erased. Run again with --apply to erase them.")


@main.command("run-escalations")
@click.option("--every", type=int, default=0,
              help="Keep running, once every this many seconds (0: run once and stop, as the "
                   "systemd timer does).")
@click.pass_obj
def run_escalations_command(obj, every):
    """Escalate overdue lone-working check-ins and send their alerts (README: Lone working).
    Idempotent and safe to run twice at once."""
    import time

    from .rules.lone_working import run_escalations
    from .rules.safeguarding import escalate_overdue

    db = obj.db()
    try:
        while True:
            counts = run_escalations(db, obj.app.config)
            counts["safeguarding_overdue"] = escalate_overdue(db, obj.app.config)
            click.echo(" ".join(f"{name}={count}" for name, count in counts.items()))
            if every <= 0:
                break
            time.sleep(every)
    finally:
        db.close()


@main.command("set-safeguarding-lead")
@click.argument("username")
@click.option("--off", is_flag=True, help="No longer a designated safeguarding lead.")
@click.pass_obj
def set_safeguarding_lead_command(obj, username, off):
    """Make a user a designated safeguarding lead of their area (or, with --off, no longer)."""
    from .rules.safeguarding import set_lead

    db = obj.db()
    try:
        user = users.get_user_by_username(db, username)
        if user is None:
            raise click.ClickException(f"No user {username!r}")
        set_lead(db, user["id"], on=not off)
    finally:
        db.close()
    click.echo(f"{username} is {'no longer' if off else 'now'} a designated safeguarding lead"
               f" of {user['area'] or 'no area'}.")


@main.command("rotate-sealing-key")
@click.pass_obj
def rotate_sealing_key_command(obj):
    """Make a new key pair that phones seal their records to; the older ones are kept, so what was
    sealed to them still opens (README: Security, "Sealed to the server")."""
    from .rules import sealing

    old = sealing.keyring(obj.app.config["INSTANCE"]).current_kid
    new = sealing.rotate(obj.app.config["INSTANCE"])
    click.echo(f"New sealing key {new} (the previous one, {old}, is kept to open what was sealed to it)")
