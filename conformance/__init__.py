"""Conformance harness for Graph-style create APIs: doc page -> spec -> checks -> results -> reports."""

from __future__ import annotations

from conformance.config import Config, load_config
from conformance.contract.spec import Level, Operation, Spec
from conformance.errors import (
    CheckDefinitionError,
    ConfigError,
    DocParseError,
    HarnessError,
    SpecError,
    TargetError,
    TargetUnreachable,
)
from conformance.results import CheckResult, Finding, RunResult, Status, Verdict

__all__ = [
    "CheckDefinitionError",
    "CheckResult",
    "Config",
    "ConfigError",
    "DocParseError",
    "Finding",
    "HarnessError",
    "Level",
    "Operation",
    "RunResult",
    "Spec",
    "SpecError",
    "Status",
    "TargetError",
    "TargetUnreachable",
    "Verdict",
    "load_config",
]
