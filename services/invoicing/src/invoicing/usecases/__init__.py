"""What senders, receivers and the delivery do with invoices."""
