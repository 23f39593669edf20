"""What the online account forms share: the password policy as a marshmallow validator.

The policy itself is one function, `passwords.password_problem`, which the command line calls too;
every schema with a new password validates it through `PasswordPolicy`, so no form can set a
password the policy refuses.
"""

from marshmallow import ValidationError, fields

from ..rules import passwords


class PasswordPolicy:
    """A marshmallow validator: raises with the policy's words when `passwords.password_problem` finds
    a problem. `username` is the account's (a password may not be built on it)."""

    def __init__(self, username=None):
        self.username = username

    def __call__(self, value):
        problem = passwords.password_problem(value, self.username)
        if problem:
            raise ValidationError(problem)
        return value


def new_password(username=None):
    """A required new-password field for the account `username`, held to the policy."""
    return fields.String(required=True, validate=PasswordPolicy(username),
                         error_messages={"required": "Enter a password"})
