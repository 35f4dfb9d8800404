"""The identity domain: users, their e-mail verification, and the indexes that keep e-mails unique."""
