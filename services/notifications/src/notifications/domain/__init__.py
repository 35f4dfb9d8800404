"""The notifications domain: which mails exist, who wants which, and what became of each."""
