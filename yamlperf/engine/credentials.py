"""Where the username and password come from: the command line, then the scenario, then the environment.

A scenario names its credentials with templates (``{{ env.API_PASSWORD }}``) so secrets never
need to be written in it; whatever is resolved is registered as a secret at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from ..redact import SecretRegistry
from ..scenario import Auth, AuthType
from ..templating import TemplateError, compile_text

ENV_USERNAME = "YAMLPERF_USERNAME"
ENV_PASSWORD = "YAMLPERF_PASSWORD"


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str | None = None
    password: str | None = None


def render_setting(text: str | None, key: str, context: Mapping[str, Any]) -> str | None:
    """A scenario setting rendered once; a template that fails is the user's to fix (exit 2)."""
    if text is None:
        return None
    try:
        return str(compile_text(text).render(context))
    except TemplateError as exc:
        raise UsageError(f"{key}: {exc}") from None


def resolve_credentials(auth: Auth, given: Credentials, context: Mapping[str, Any],
                        environ: Mapping[str, str], secrets: SecretRegistry) -> Credentials:
    """``--username``/``--password`` > ``auth.username``/``auth.password`` > $YAMLPERF_USERNAME/PASSWORD.

    Basic authentication and the default login body need both; a missing one is a usage error
    that says every way to give it.
    """
    username = given.username or render_setting(auth.username, "auth.username", context) \
        or environ.get(ENV_USERNAME) or None
    password = given.password or render_setting(auth.password, "auth.password", context) \
        or environ.get(ENV_PASSWORD) or None
    secrets.add(password)
    needs_both = auth.type is AuthType.BASIC or (
        auth.type is AuthType.LOGIN and auth.login is not None and auth.login.request.body is None)
    if needs_both:
        for name, value, env in (("username", username, ENV_USERNAME), ("password", password, ENV_PASSWORD)):
            if not value:
                raise UsageError(f"auth.type {auth.type.value} needs a {name}: pass --{name}, set "
                                 f"auth.{name} in the scenario (e.g. \"{{{{ env.API_{name.upper()} }}}}\"), "
                                 f"or export {env}")
    return Credentials(username, password)


def credential_context(credentials: Credentials) -> dict[str, str]:
    """``username`` and ``password`` for templates, only when known (a missing one stays undefined)."""
    found = {"username": credentials.username, "password": credentials.password}
    return {k: v for k, v in found.items() if v is not None}
