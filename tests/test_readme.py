"""Documentation kept honest: what the README names exists, and what exists is in the README."""

from pathlib import Path

from fieldapp import demo
from fieldapp.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_cli_command_is_documented_and_every_documented_one_exists():
    for name in main.commands:
        assert f"`fieldapp {name}" in README, f"fieldapp {name} is missing from the README"
    documented = {line.split("`fieldapp ", 1)[1].split()[0].rstrip("`")
                  for line in README.splitlines() if line.startswith("| `fieldapp ")}
    assert documented == set(main.commands)


def test_every_demo_user_is_documented_and_every_documented_one_exists():
    documented = {line.split("`")[1] for line in README.splitlines()
                  if line.startswith("| `") and not line.startswith("| `fieldapp")}
    assert documented == {username for username, *_rest in demo.USERS}
    for _username, fields in demo.PEOPLE:
        assert fields["display_name"] in README


def test_the_two_commands_exist():
    root = Path(__file__).resolve().parent.parent
    for name in ("run", "test", ".ci/run", "scripts/setup.sh"):
        assert (root / name).stat().st_mode & 0o111, f"{name} must be executable"
