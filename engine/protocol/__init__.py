"""Wire protocols: RESP2/RESP3 (Redis, Valkey) and, later, memcached's text protocol."""
