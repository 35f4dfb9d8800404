"""Passwords, access tokens and the revocation list: identity's security machinery."""
