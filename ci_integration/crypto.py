"""Secrets at rest: CI server tokens are encrypted with a Fernet key derived from SECRET_KEY.

Rotating SECRET_KEY makes stored tokens unreadable; enrichment then fails with a reason saying so, and the token
must be entered again in the admin.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretUnreadable(Exception):
    pass


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"assay.ci_integration.token:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def secret_encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def secret_decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable("the stored token cannot be decrypted (was SECRET_KEY changed?)") from exc
