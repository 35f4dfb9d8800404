"""The use cases behind the webhook commands."""
