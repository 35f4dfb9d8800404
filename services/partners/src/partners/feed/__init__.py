"""The live partner feed on NATS: the PARTNER stream and who may read which part of it."""
