"""The one redactor: secret values from the environment, and anything that looks like a key, token or
credential in a URL, are replaced by ``[redacted]`` before text is shown, cached or written."""

from __future__ import annotations

import os
import re
from typing import Any, Iterable

_SECRET_ENV_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE", re.IGNORECASE)
_SECRET_TOKENS = re.compile(
    r"\b(?:sk|pk|rk)-[A-Za-z0-9_\-]{8,}"                                  # OpenAI / OpenRouter / Anthropic style keys
    r"|\b(?:gh[pousr]|hf|xox[abp]|glpat)[_-][A-Za-z0-9_\-]{16,}"           # GitHub, Hugging Face, Slack, GitLab
    r"|(?i:\bbearer\s+)[A-Za-z0-9._~+/\-]{8,}=*"                              # Authorization headers
)
_SECRET_QUERY = re.compile(r"(?i)([?&](?:api[_-]?key|key|token|access_token|auth|signature|sig|password)=)[^&#\s\"']+")
REDACTED = "[redacted]"
_MIN_SECRET_LEN = 8


def secret_values(environ: dict[str, str] | None = None) -> list[str]:
    """Values of environment variables whose names look secret (longest first)."""
    env = os.environ if environ is None else environ
    vals = {v for k, v in env.items() if _SECRET_ENV_NAME.search(k) and len(v) >= _MIN_SECRET_LEN}
    return sorted(vals, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with secret-looking tokens and the given secret values replaced by ``[redacted]``."""
    for s in secrets:
        if s and s in text:
            text = text.replace(s, REDACTED)
    text = _SECRET_TOKENS.sub(REDACTED, text)
    return _SECRET_QUERY.sub(lambda m: m.group(1) + REDACTED, text)


def scrub(value: Any, secrets: list[str]) -> Any:
    """``redact`` applied to every string (and key) in nested dicts and lists."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {redact(str(k), secrets): scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, secrets) for v in value]
    return value
