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
    logins = README.split("### Demo logins", 1)[1].split("\n## ", 1)[0]
    documented = {line.split("`")[1] for line in logins.splitlines() if line.startswith("| `")}
    assert documented == {username for username, *_rest in demo.USERS}
    for _username, fields in demo.PEOPLE:
        assert fields["display_name"] in README


def test_the_set_up_scripts_are_executable():
    root = Path(__file__).resolve().parent.parent
    for name in ("run", "test", ".ci/run", "scripts/setup.sh"):
        assert (root / name).stat().st_mode & 0o111, f"{name} must be executable"


def test_every_setting_is_documented():
    """Every setting in fieldapp/config.py (the one place defaults live) is named in the README."""
    from fieldapp import config

    settings = [name for name in vars(config) if name.isupper()]
    assert len(settings) > 30
    missing = [name for name in settings if f"`{name}" not in README]
    assert not missing, f"settings missing from the README: {missing}"


def test_every_file_the_architecture_section_names_exists():
    """The README's table of everyday questions points at files that exist."""
    root = Path(__file__).resolve().parent.parent
    section = README.split("## How it works (architecture)", 1)[1].split("\n## ", 1)[0]
    named = {part.split("`")[0] for part in section.split("`")[1::2]
             if "/" in part and part.split("/")[0] in ("fieldapp", "sync", "static", "templates",
                                                          "tests", "bench", "scripts")}
    assert len(named) > 15
    for name in named:
        path = name.split(":")[0].split(" ")[0]
        assert (root / path).exists(), f"the README names {path}, which does not exist"
