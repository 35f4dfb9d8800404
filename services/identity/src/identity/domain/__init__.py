"""The identity domain: users, e-mail verification, and the indexes keeping e-mails unique."""
