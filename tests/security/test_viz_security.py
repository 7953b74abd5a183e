"""The access-string builder's logic (engine/viz/security.py)."""
from __future__ import annotations

from engine.viz.security import AccessStringBuilder, evaluate


def test_read_only_app_prefix():
    ev = evaluate("on ~app:* +@read")
    assert ev.error is None
    assert ev.normalized.startswith("user builder on ~app:* resetchannels -@all +@read")
    assert ev.allowed("GET {key}", "app:1") and not ev.allowed("GET {key}", "secret")
    assert not ev.allowed("SET {key} v", "app:1")
    assert ev.grid[ev.commands.index("SET {key} v")][0] == "command denied"
    assert ev.grid[ev.commands.index("GET {key}")][3] == "key denied"


def test_write_only_pattern():
    ev = evaluate("on %W~report:* ~app:* +@all")
    assert ev.allowed("SET {key} v", "report:2024")
    assert not ev.allowed("GET {key}", "report:2024")


def test_elasticache_refuses_passwords_and_reset():
    assert "Passwords are not allowed" in evaluate("on >pw ~*", elasticache=True).error
    assert "reset" in evaluate("reset on ~*", elasticache=True).error
    assert evaluate("on ~* badrule").error == "Error in ACL SETUSER modifier 'badrule': Syntax error"


def test_off_user_cannot_log_in():
    ev = evaluate("~* +@all")
    assert ev.grid[0][0] == "user is off (cannot log in)"


def test_widget_headless():
    b = AccessStringBuilder("on ~* +@all")
    assert "allowed" in b.out.value
    ev = b.set_rules("on ~app:* -@all +get")
    assert ev.allowed("GET {key}", "app:1") and "⛔" not in b.out.value
    assert "command denied" in b.out.value
