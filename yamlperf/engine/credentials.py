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
from ..templating import TemplateError, compile_text, names_in

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
    found = {"username": username, "password": password}
    missing = [name for name, value in found.items() if name in needed_credentials(auth) and not value]
    if missing:
        raise UsageError(_missing_message(auth, missing))
    return Credentials(username, password)


def _missing_message(auth: Auth, missing: list[str]) -> str:
    """Which credentials the run lacks, and every way to give them."""
    both = " and ".join
    own_body = auth.type is AuthType.LOGIN and auth.login is not None and auth.login.request.body is not None
    why = (f"the login request uses {both('{{ ' + n + ' }}' for n in missing)} and "
           f"{'neither is' if len(missing) > 1 else 'it is not'} given") if own_body \
        else f"auth.type {auth.type.value} needs a {both(missing)}"
    envs = {"username": ENV_USERNAME, "password": ENV_PASSWORD}
    examples = ", ".join(f'auth.{n}: "{{{{ env.API_{n.upper()} }}}}"' for n in missing)
    them = "them" if len(missing) > 1 else "it"
    return (f"{why}: pass {both('--' + n for n in missing)} to `yamlperf run`, export "
            f"{both(envs[n] for n in missing)}, or set {them} in the scenario ({examples})")


DEFAULT_LOGIN_NAMES = frozenset({"username", "password"})


def needed_credentials(auth: Auth) -> frozenset[str]:
    """``username``/``password`` the run cannot do without: both for basic auth and for a login with
    the default body, else those the login request's templates read."""
    if auth.type is AuthType.BASIC:
        return DEFAULT_LOGIN_NAMES
    if auth.type is not AuthType.LOGIN or auth.login is None:
        return frozenset()
    if auth.login.request.body is None:
        return DEFAULT_LOGIN_NAMES
    request = auth.login.request
    return names_in((request.path, request.query, request.headers, request.body)) & DEFAULT_LOGIN_NAMES


def credentials_warning(auth: Auth, context: Mapping[str, Any], environ: Mapping[str, str]) -> str:
    """What ``run`` would stop on for want of credentials, given none on its command line ("" if
    nothing): ``validate`` says it, so a plan that validates does not then exit 2 on ``run``."""
    try:
        resolve_credentials(auth, Credentials(), context, environ, SecretRegistry())
        if auth.type is AuthType.BEARER and not render_setting(auth.token, "auth.token", context):
            return ("auth.type is bearer but the token is empty: set auth.token, e.g. "
                    "token: \"{{ env.API_TOKEN }}\", and export API_TOKEN")
    except UsageError as exc:
        return str(exc)
    return ""


def credential_context(credentials: Credentials) -> dict[str, str]:
    """``username`` and ``password`` for templates, only when known (a missing one stays undefined)."""
    found = {"username": credentials.username, "password": credentials.password}
    return {k: v for k, v in found.items() if v is not None}
