"""Shared fixtures of the project's own tests."""

from __future__ import annotations

pytest_plugins = ["pytester", "tests.attack_servers"]  # the attack modules' `serve` fixture
