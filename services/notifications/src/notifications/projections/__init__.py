"""Read models built only from other contexts' events: people, organisations, invoices."""
