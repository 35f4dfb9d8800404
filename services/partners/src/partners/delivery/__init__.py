"""Webhook deliveries: the log, and the loop that POSTs them."""
