"""Identity's use cases, one module each; they run on the store thread, one transaction each."""
