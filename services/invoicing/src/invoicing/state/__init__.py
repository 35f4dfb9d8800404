"""Tables beside the event store that commit with its events."""
