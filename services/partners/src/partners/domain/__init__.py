"""Webhooks and their pure rules: signatures, the retry schedule."""
