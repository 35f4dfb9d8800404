"""Where the invoicing domain meets the public contracts."""
