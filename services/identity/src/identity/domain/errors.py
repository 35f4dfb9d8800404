"""Named reasons the identity domain refuses a command."""


class IdentityError(Exception):
    """Base of every refusal by the identity domain."""


class InvalidVerificationToken(IdentityError):
    """The verification token is unknown, already used, or expired."""


class PasswordPolicyViolation(IdentityError):
    """The password does not meet the policy (length 12 to 128 characters)."""
