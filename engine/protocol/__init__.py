"""Wire protocols: RESP2/RESP3 (Redis, Valkey) in resp.py, memcached's text protocol in memcache_text.py."""
