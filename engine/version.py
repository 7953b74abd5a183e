"""The Redis version the engine reproduces (INFO, HELLO)."""
REDIS_VERSION = "7.0.15"
