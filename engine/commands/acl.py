"""The acl command family (being written)."""
