"""The invoicing domain: pure rules, no infrastructure."""
