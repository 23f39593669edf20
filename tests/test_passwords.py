"""The password policy (passwords.password_problem): one rule for every place a password is set.

At least 12 characters, not a common password (zxcvbn's list, as shipped on PyPI), not built on
the username. Demo users and tests' fixtures are made through `users.create_user`, the Python API,
which does not apply it: the schemas of the web forms and the command line do.
"""

import pytest

from fieldapp.rules import passwords

GOOD = "plum-kettle-harbour"


def test_a_long_uncommon_password_passes():
    assert passwords.password_problem(GOOD, "outreach") is None


@pytest.mark.parametrize("password", ["demo", "elevenchars"])
def test_a_password_needs_twelve_characters(password):
    assert "at least 12 characters" in passwords.password_problem(password, "kim")


@pytest.mark.parametrize("password", ["qwerty123456", "1q2w3e4r5t6y", "LeaveMeAlone", "password1234!",
                                      "Sunshine2024!"])
def test_a_common_password_or_a_common_word_with_digits_is_refused(password):
    assert "common passwords" in passwords.password_problem(password, "kim")


def test_a_password_built_on_the_username_is_refused():
    assert "username" in passwords.password_problem("Outreach-team-2026", "outreach")


def test_a_password_of_one_character_repeated_is_refused():
    assert passwords.password_problem("aaaaaaaaaaaaaaaa", "kim") is not None


def test_a_very_long_password_is_refused_before_it_is_hashed():
    assert passwords.password_problem("x" * 1000 + GOOD, "kim") is not None
