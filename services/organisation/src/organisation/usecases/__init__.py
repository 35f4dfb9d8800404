"""What users and operators do with organisations."""
