"""IAM authentication, emulated: short-lived signed tokens instead of passwords.

With IAM authentication (Valkey 7.2+ / Redis OSS 7.0+, TLS required; fact
sheet §7) a client does not store a password: it signs a request with its AWS
credentials (SigV4) and sends the result as the password of ``AUTH userId
token``. ElastiCache accepts a token for **15 minutes**, the user's name must
equal its id, and an IAM-authenticated connection is dropped after **12
hours** unless it authenticates again.

Here the "AWS credentials" are one HMAC key per service, and a token is a
presigned-URL-shaped string::

    shop/?Action=connect&User=app&X-Amz-Date=<ms>&X-Amz-Expires=900&X-Amz-Signature=<hex>

The times are virtual-clock milliseconds, so a lab can jump 16 minutes or
13 hours and watch the token or the connection expire.
"""
from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

TOKEN_TTL_MS = 15 * 60 * 1000
CONNECTION_TTL_MS = 12 * 3600 * 1000


class IamSigner:
    """Signs and verifies tokens with one secret (the emulated credentials)."""

    def __init__(self, secret: bytes):
        self.secret = secret

    def _sign(self, message: str) -> str:
        return hmac.new(self.secret, message.encode(), hashlib.sha256).hexdigest()

    def token(self, group_id: str, user_id: str, now_ms: int) -> str:
        query = (f"Action=connect&User={user_id}&X-Amz-Date={now_ms}"
                 f"&X-Amz-Expires={TOKEN_TTL_MS // 1000}")
        return f"{group_id}/?{query}&X-Amz-Signature={self._sign(group_id + '?' + query)}"

    def check(self, token: str, user_id: str, now_ms: int) -> str:
        """'' if valid for ``user_id`` now, else why not."""
        try:
            parts = urlsplit(token)
            group_id = parts.path.rstrip("/")
            fields = {k: v[0] for k, v in parse_qs(parts.query, strict_parsing=True).items()}
            signature = fields.pop("X-Amz-Signature")
            query = (f"Action={fields['Action']}&User={fields['User']}"
                     f"&X-Amz-Date={fields['X-Amz-Date']}&X-Amz-Expires={fields['X-Amz-Expires']}")
            issued = int(fields["X-Amz-Date"])
        except (KeyError, ValueError):
            return "not an IAM authentication token"
        if not hmac.compare_digest(signature, self._sign(group_id + "?" + query)):
            return "bad signature"
        if fields["User"] != user_id:
            return f"token is for user {fields['User']}"
        if now_ms > issued + TOKEN_TTL_MS:
            return "token expired (valid for 15 minutes)"
        return ""


class IamAuth:
    """Attached to an engine ACL user (``User.iam``): AUTH checks the token."""

    def __init__(self, signer: IamSigner, user_id: str):
        self.signer, self.user_id = signer, user_id
        self.last_refusal = ""

    def accepts(self, password: bytes, now_ms: int) -> bool:
        self.last_refusal = self.signer.check(password.decode("utf-8", "replace"),
                                              self.user_id, now_ms)
        return not self.last_refusal

    @staticmethod
    def expired(session, now_ms: int) -> bool:
        """An IAM connection lives 12 hours after its last AUTH."""
        return now_ms - getattr(session, "auth_ms", now_ms) > CONNECTION_TTL_MS
