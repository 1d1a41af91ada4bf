"""Header names that carry a credential by default; a token pasted with its scheme (second blind trial)."""

from __future__ import annotations

import pytest

from conformance.config import load_options
from conformance.errors import ConfigError
from conformance.target.redaction import Redactor


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "Cookie",
        "X-Api-Key",
        "Ocp-Apim-Subscription-Key",  # Azure API Management, in front of Microsoft APIs
        "x-functions-key",
        "X-Auth-Token",
        "api-key",
        "X-Session",
        "Private-Token",
    ],
)
def test_credential_headers_are_secret_by_name(name: str) -> None:
    assert Redactor(None, ()).is_secret(name)


@pytest.mark.parametrize(
    "name", ["Content-Type", "Accept", "client-request-id", "WWW-Authenticate", "Location"]
)
def test_ordinary_headers_and_challenges_are_not(name: str) -> None:
    assert not Redactor(None, ()).is_secret(name)


def test_a_declared_secret_header_is_secret_whatever_its_name() -> None:
    assert Redactor(None, ("X-Tenant",)).is_secret("x-tenant")


@pytest.mark.parametrize(
    "pasted", ["Bearer abcdefgh12345", "bearer  abcdefgh12345", "Bearer abcdefgh12345\n"]
)
def test_a_token_pasted_with_its_scheme_is_sent_without_it(pasted: str) -> None:
    config = load_options({"target": "http://127.0.0.1:9", "token": pasted}, env={}, cwd=None)
    assert config.token_value() == "abcdefgh12345"
    assert any("began with 'Bearer '" in note for note in config.notes)
    assert "abcdefgh12345" not in repr(config) + " ".join(config.notes)


@pytest.mark.parametrize(
    ("header", "runs"),
    [
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", True),
        ("Ocp-Apim-Subscription-Key: abcdefgh12345", True),
        ("Cookie: session=abcdefgh12345", True),
        ("X-Tenant: contoso", False),  # not a credential: the missing token is still a usage error
    ],
)
def test_a_credential_header_stands_in_for_the_token(header: str, runs: bool) -> None:
    options = {"target": "http://127.0.0.1:9", "header": [header]}
    if runs:
        assert load_options(options, env={}, cwd=None).token is None
    else:
        with pytest.raises(ConfigError, match="no token for the target"):
            load_options(options, env={}, cwd=None)
