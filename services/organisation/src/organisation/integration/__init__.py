"""Where the organisation domain meets the public contracts."""
