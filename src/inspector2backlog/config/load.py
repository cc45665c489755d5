"""Loading: a TOML file, then environment overrides ``I2B_<SECTION>_<KEY>``, into the frozen dataclasses of
:mod:`.model`.

* Unknown sections/keys and invalid values fail with the place named: ``config.toml: [filter] min_severiti: unknown
  key``. Environment overrides are checked the same way (``I2B_FILTER_MIN_SEVERITI: unknown key``).
* Overrides: ``I2B_BACKLOG_PROJECT_KEY=SEC``; lists as ``a,b`` or a JSON array; tables as a JSON object or
  ``k=v,k2=v2``; one severity of ``[backlog.priority]`` / ``[backlog.due_days]`` as ``I2B_BACKLOG_PRIORITY_HIGH=高``;
  one key of a source's table as ``I2B_SOURCES_GUARDDUTY_PROJECT_KEY=SOC``. ``I2B_*`` variables whose section is not
  one of ours (``I2B_CONFIG``…) are left alone.
* ``[backlog.priority]`` and ``[backlog.due_days]`` merge into the defaults; a due-days value of 0 means no due date.
* Secrets never live in the file: the Backlog credentials are read by :mod:`inspector2backlog.backlog.credentials`.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from .checks import problems as _check_problems
from .model import SECTIONS, Config, ConfigError, _frozen_map
from .per_source import SOURCE_NAMES, SourceConfig, SourcesConfig, source_keys
from .validate import validate
from .vocabulary import ENV_PREFIX

SOURCES = "sources"


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read ``path`` (TOML; ``None`` = defaults only), apply ``I2B_*`` overrides from ``env``, validate."""
    env = os.environ if env is None else env
    where = str(path) if path is not None else "<defaults>"
    raw: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        try:
            with p.open("rb") as fh:
                raw = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"{where}: file not found / 設定ファイルがありません") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{where}: invalid TOML: {exc}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{where}: UTF-8 として読めません / not UTF-8 (byte {exc.start}: {exc.reason})") from None
    for name in raw:
        if name not in SECTIONS and name != SOURCES:
            raise ConfigError(f"{where}: [{name}]: unknown section (known: {', '.join([*SECTIONS, SOURCES])})")
        if not isinstance(raw[name], dict):
            raise ConfigError(f"{where}: {name}: must be a table [{name}]")

    sections: dict[str, Any] = {}
    for name, cls in SECTIONS.items():
        values = _section_from_toml(cls, name, raw.get(name, {}), where)
        sections[name] = values
    per_source = _sources_from_toml(raw.get(SOURCES, {}), where)
    _apply_env(sections, per_source, env)
    _normalise(sections)
    built = {name: SECTIONS[name](**values) for name, values in sections.items()}
    sources = SourcesConfig(**{name: SourceConfig(**values) for name, values in per_source.items()})
    config = Config(**built, sources=sources, source=str(path) if path is not None else "")
    for place, message in _check_problems(config):  # ports of every URL, [input], [sources.*]: checks.py
        raise ConfigError(f"{where}: {place}: {message}")
    validate(config, where)
    return config


def _sources_from_toml(table: Mapping[str, Any], where: str) -> dict[str, dict[str, Any]]:
    """``[sources.<name>]`` tables: every name a source, every key a :class:`SourceConfig` field."""
    out: dict[str, dict[str, Any]] = {name: {} for name in SOURCE_NAMES}
    for name, sub in table.items():
        if name not in SOURCE_NAMES:
            raise ConfigError(
                f"{where}: [{SOURCES}.{name}]: 不明なソースです / unknown source (known: {', '.join(SOURCE_NAMES)})"
            )
        if not isinstance(sub, dict):
            raise ConfigError(f"{where}: {SOURCES}.{name}: テーブルにしてください / must be a table [{SOURCES}.{name}]")
        specs = _source_specs(name)
        for key, value in sub.items():
            if key not in specs:
                raise ConfigError(f"{where}: [{SOURCES}.{name}] {key}: {_unknown_key(name, key)}")
            out[name][key] = _coerce(specs[key], value, f"{where}: [{SOURCES}.{name}] {key}")
    return out


def _source_specs(name: str) -> dict[str, Any]:
    keys = source_keys(name)
    return {f.name: f for f in fields(SourceConfig) if f.name in keys}


def _unknown_key(name: str, key: str, place: str = "") -> str:
    """Why ``key`` is not a key of ``[sources.<name>]`` (``place``: named after the words, for a variable): unknown,
    or a filter of another source only."""
    known = ", ".join(source_keys(name))
    owners = next((f.metadata.get("sources") for f in fields(SourceConfig) if f.name == key), None)
    if owners:
        where = ", ".join(f"[{SOURCES}.{o}]" for o in owners)
        return f"{where} だけの設定です / only valid in {where}{place} (known here: {known})"
    return f"不明なキーです / unknown key{place} (known: {known})"


def _section_from_toml(cls: type, section: str, table: Mapping[str, Any], where: str) -> dict[str, Any]:
    specs = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        place = f"{where}: [{section}] {key}"
        if key not in specs:
            raise ConfigError(f"{where}: [{section}] {key}: unknown key (known: {', '.join(specs)})")
        values[key] = _coerce(specs[key], value, place)
    return _merge_defaults(cls, values)


def _merge_defaults(cls: type, values: dict[str, Any]) -> dict[str, Any]:
    for f in fields(cls):
        if f.metadata.get("severity_keys") and f.name in values:
            factory = f.default_factory
            assert callable(factory)  # severity_keys fields are dicts with a default_factory
            merged = dict(factory())
            merged.update(values[f.name])
            values[f.name] = _frozen_map(merged)
    return values


def _default_of(f: Any) -> Any:
    return f.default_factory() if f.default_factory is not MISSING else f.default


def _coerce(f: Any, value: Any, place: str) -> Any:
    default = _default_of(f)
    item = f.metadata.get("item")
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{place}: expected true/false, got {value!r}")
    if isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{place}: expected a number, got {value!r}")
    if isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{place}: expected an integer, got {value!r}")
    if isinstance(default, str):
        if isinstance(value, str):
            return value.strip()
        raise ConfigError(f"{place}: expected a string, got {value!r}")
    if isinstance(default, tuple):
        if isinstance(value, str):  # a single value is accepted as a one-element list
            value = [value] if value.strip() else []
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
            raise ConfigError(f"{place}: expected a list of strings, got {value!r}")
        return tuple(str(v).strip() for v in value if str(v).strip())
    if isinstance(default, Mapping):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{place}: expected a table, got {value!r}")
        out: dict[str, Any] = {}
        for k, v in value.items():
            key = str(k).upper() if f.metadata.get("severity_keys") else str(k)
            if item is int and (not isinstance(v, int) or isinstance(v, bool)):
                raise ConfigError(f"{place}.{k}: expected an integer, got {v!r}")
            if (item is str and not isinstance(v, (str, int, float))) or (isinstance(v, bool) and item is str):
                raise ConfigError(f"{place}.{k}: expected a string, got {v!r}")
            out[key] = str(v) if item is str else v
        return _frozen_map(out)
    raise ConfigError(f"{place}: unsupported value {value!r}")  # pragma: no cover - every field has a default


# ---- environment overrides ------------------------------------------------------------------------------------


def _apply_env(
    sections: dict[str, dict[str, Any]], per_source: dict[str, dict[str, Any]], env: Mapping[str, str]
) -> None:
    for var in sorted(env):
        if not var.startswith(ENV_PREFIX):
            continue
        rest = var[len(ENV_PREFIX) :]
        if rest.upper().startswith(SOURCES.upper() + "_"):
            _apply_source_env(per_source, var, rest[len(SOURCES) + 1 :].lower(), env[var])
            continue
        section = next((s for s in SECTIONS if rest.upper().startswith(s.upper() + "_")), None)
        if section is None:
            continue  # not ours (I2B_CONFIG, I2B_LOG_LEVEL…)
        key = rest[len(section) + 1 :].lower()
        cls = SECTIONS[section]
        specs = {f.name: f for f in fields(cls)}
        raw = env[var]
        if key in specs:
            value = _coerce(specs[key], _parse_env(specs[key], raw, var), var)
            if specs[key].metadata.get("severity_keys"):
                merged = dict(sections[section].get(key) or _default_of(specs[key]))
                merged.update(value)
                value = _frozen_map(merged)
            sections[section][key] = value
            continue
        table = next((n for n, f in specs.items() if f.metadata.get("severity_keys") and key.startswith(n + "_")), None)
        if table is not None:
            sub = key[len(table) + 1 :].upper()
            spec = specs[table]
            value = _coerce(spec, {sub: _parse_scalar(spec.metadata["item"], raw, var)}, var)
            merged = dict(sections[section].get(table) or _default_of(spec))
            merged.update(value)
            sections[section][table] = _frozen_map(merged)
            continue
        raise ConfigError(f"{var}: unknown key [{section}] {key} (known: {', '.join(specs)})")


def _apply_source_env(per_source: dict[str, dict[str, Any]], var: str, rest: str, raw: str) -> None:
    """``I2B_SOURCES_<NAME>_<KEY>``: the longest source name that prefixes ``rest``, then one of its keys."""
    name = next((n for n in sorted(SOURCE_NAMES, key=len, reverse=True) if rest.startswith(n + "_")), None)
    if name is None:
        raise ConfigError(f"{var}: 不明なソースです / unknown source (known: {', '.join(SOURCE_NAMES)})")
    key = rest[len(name) + 1 :]
    specs = _source_specs(name)
    if key not in specs:
        raise ConfigError(f"{var}: {_unknown_key(name, key, f' [{SOURCES}.{name}] {key}')}")
    per_source[name][key] = _coerce(specs[key], _parse_env(specs[key], raw, var), var)


def _parse_scalar(kind: type, raw: str, var: str) -> Any:
    text = raw.strip()
    if kind is bool:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{var}: expected true/false, got {raw!r}")
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"{var}: expected an integer, got {raw!r}") from None
    if kind is float:
        try:
            return float(text)
        except ValueError:
            raise ConfigError(f"{var}: expected a number, got {raw!r}") from None
    return text


def _parse_env(f: Any, raw: str, var: str) -> Any:
    default = _default_of(f)
    text = raw.strip()
    if isinstance(default, (bool, int, float, str)):
        return _parse_scalar(type(default), raw, var)
    if isinstance(default, tuple):
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                raise ConfigError(f"{var}: invalid JSON list") from None
        return [p.strip() for p in text.split(",") if p.strip()]
    if isinstance(default, Mapping):
        if text.startswith("{"):
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                raise ConfigError(f"{var}: invalid JSON object") from None
        out: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            if "=" not in part:
                raise ConfigError(f"{var}: expected k=v,k2=v2 or a JSON object, got {raw!r}")
            k, v = part.split("=", 1)
            out[k.strip()] = _parse_scalar(f.metadata.get("item", str), v, var)
        return out
    return raw  # pragma: no cover


_UPPER = {
    "filter": ("min_severity", "finding_types", "statuses"),
    "digest": ("below_severity",),
    "translate": ("formality",),
}


def _normalise(sections: dict[str, dict[str, Any]]) -> None:
    """Enum-like values are case-insensitive in the file; stored upper-case."""
    for section, keys in _UPPER.items():
        for key in keys:
            v = sections[section].get(key)
            if isinstance(v, str):
                sections[section][key] = v.upper()
            elif isinstance(v, tuple):
                sections[section][key] = tuple(x.upper() for x in v)
