"""The notifications use cases: deciding, sending, reading the audit, announcing news."""
