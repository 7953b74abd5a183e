"""Security: ACL users and rules (acl.py), a node's access control and ACL
log (access.py), how commands touch keys (keyspecs.py); the emulated
ElastiCache side lives in the service package and in network.py, iam.py,
tokens.py, tls.py and at_rest.py."""
