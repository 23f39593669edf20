"""The production units in ops/ are what the README installs, and they stay true to the code:
systemd accepts them, and every fieldapp command they run is one the command line takes."""

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fieldapp.cli import main

OPS = Path(__file__).resolve().parent.parent / "ops"
UNITS = ["fieldapp.service", "fieldapp-backup.service", "fieldapp-backup.timer"]
FIELDAPP = "/opt/fieldapp/bin/fieldapp"


def _fieldapp_commands(text):
    """The argument lists of every `fieldapp ...` an ExecStart line runs."""
    found = []
    for line in text.splitlines():
        if line.startswith("ExecStart="):
            words = shlex.split(line.split("=", 1)[1].replace("%%", "%"))
            if words[0] == "/bin/sh":  # sh -c 'exec fieldapp ...'
                words = shlex.split(words[2])[1:]
            if words[0] == FIELDAPP:
                found.append(words[1:])
    return found


@pytest.mark.parametrize("unit", [u for u in UNITS if u.endswith(".service")])
def test_every_command_a_unit_runs_is_one_the_cli_takes(unit):
    commands = _fieldapp_commands((OPS / unit).read_text())
    assert commands, f"{unit} runs no fieldapp command"
    for name, *args in commands:
        command = main.commands[name]
        args = [a if "$(" not in a else "/tmp/backup.db" for a in args]
        command.make_context(name, args)  # raises on an unknown option or a missing argument


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_accepts_the_units(tmp_path):
    fieldapp = str(Path(sys.executable).with_name("fieldapp"))
    for unit in UNITS:
        (tmp_path / unit).write_text((OPS / unit).read_text().replace(FIELDAPP, fieldapp))
    result = subprocess.run(["systemd-analyze", "verify", *UNITS], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr + result.stdout


def test_the_readme_shows_the_units_and_the_caddyfile():
    readme = (OPS.parent / "README.md").read_text()
    for name in [*UNITS, "Caddyfile"]:
        assert f"ops/{name}" in readme, f"ops/{name} is not in the README"
