"""Read models identity builds from other contexts' events."""
