"""Named reasons the identity domain refuses a command."""


class IdentityError(Exception):
    """Base of every refusal by the identity domain."""


class InvalidVerificationToken(IdentityError):
    """The verification token is unknown, already used, or expired."""


class InvalidResetToken(IdentityError):
    """The password reset token is unknown, already used, or expired."""


class PasswordPolicyViolation(IdentityError):
    """The password breaks a password rule; `rule` names which, `suggestions` say how to fix it."""

    def __init__(self, rule: str, message: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.rule = rule
        self.suggestions = suggestions


class CannotFollowOrganisation(IdentityError):
    """The user has other reasons to stay in their environment than the organisation that left."""
