"""One error base for the package (``errors.Inspector2BacklogError``) and the one kind → exit-code table the CLI
uses (``errors.EXIT_CODES``)."""

from __future__ import annotations

import ast
import importlib

import pytest

from inspector2backlog import errors
from inspector2backlog.backlog.credentials import SecretResolutionError
from inspector2backlog.backlog.errors import AuthenticationError, BacklogError, ConfigLookupError, ServerError
from inspector2backlog.config import ConfigError
from inspector2backlog.deliver.backlog import ProjectSetupError
from inspector2backlog.deliver.base import DeliveryError
from inspector2backlog.errors import EXIT_CODES, exit_code
from inspector2backlog.findings.sources import InputError, InputTooLargeError
from inspector2backlog.policy.sync import SyncError
from inspector2backlog.translate import EngineConfigError
from tests.unit.test_import_graph import ROOT, SRC, modules


def _error_classes() -> list[tuple[str, str]]:
    """(module, class) of every class in the package whose name ends in Error (or is an Error-like exception)."""
    found = []
    for name, path in modules(SRC).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name.endswith(("Error", "Failed")):
                found.append((name, node.name))
    return found


def test_the_scan_finds_the_known_errors() -> None:
    names = {c for _, c in _error_classes()}
    assert {"ConfigError", "BacklogError", "InputError", "SyncError", "DeliveryError", "TranslationError"} <= names
    assert len(names) > 30


@pytest.mark.parametrize(("module", "cls"), _error_classes())
def test_every_error_derives_from_the_base_and_has_a_kind(module: str, cls: str) -> None:
    klass = getattr(importlib.import_module(module), cls)
    assert issubclass(klass, errors.Inspector2BacklogError), f"{module}.{cls}"
    assert klass.kind in errors.KINDS, f"{module}.{cls}.kind = {klass.kind!r}"
    assert module.startswith(ROOT)


def test_standard_bases_are_kept_so_existing_excepts_still_catch() -> None:
    assert issubclass(ConfigError, ValueError)
    assert issubclass(SecretResolutionError, ConfigError)
    assert issubclass(ConfigLookupError, LookupError)
    assert issubclass(EngineConfigError, ValueError)


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (ConfigError("x"), 2),
        (SecretResolutionError("no key"), 2),
        (ConfigLookupError("ja", "en", what="Issue type", name="脆弱性"), 2),
        (EngineConfigError("unknown engine"), 2),
        (InputError("missing"), 2),
        (InputTooLargeError("big.json", 10, 20), 2),
        (SyncError("no region"), 2),
        (BacklogError("down"), 1),
        (ServerError("500"), 1),
        (AuthenticationError("401"), 1),
        (DeliveryError("sns"), 1),
        (ProjectSetupError("issue type missing", config=True), 2),
        (ProjectSetupError("no network", config=False), 1),
        (ValueError("not ours"), 2),
        (RuntimeError("not ours"), 2),
    ],
)
def test_exit_codes_follow_the_kind(exc: BaseException, code: int) -> None:
    assert exit_code(exc) == code


def test_every_kind_in_the_table_is_a_kind() -> None:
    assert set(EXIT_CODES) <= set(errors.KINDS)
    assert errors.kind_of(ValueError()) is None and errors.kind_of(ConfigError("x")) == "config"


def test_config_lookup_error_keeps_what_it_names() -> None:
    e = ConfigLookupError.missing("課題種別", "Issue type", "脆弱性", "プロジェクト SEC", "project SEC", ["バグ"])
    assert e.kind == "config" and e.what == "Issue type" and e.name == "脆弱性" and e.existing == ("バグ",)


def test_the_cli_uses_the_table() -> None:
    from inspector2backlog import cli

    assert cli.exit_code is exit_code and cli.EXIT_USAGE == 2 and cli.EXIT_FAILED == 1 and cli.EXIT_INTERRUPTED == 130
