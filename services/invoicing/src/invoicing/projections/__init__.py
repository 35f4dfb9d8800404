"""Read models of other services' facts."""
