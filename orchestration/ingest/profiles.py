"""Source profiles: a vendor's export, unmodified, mapped onto a contract source at load time.

A profile is a YAML file (docs/profiles.md): `profiles/<name>.yml` in the repository (shipped)
and `$PULSE_PROFILES_DIR/<name>.yml` (a user's own). Its datasets each name the contract source
they feed, the reader options of the export, and one SQL expression per contract column over
the file's columns, plus value maps, constants and an optional exclusion condition. Files
dropped in `$PULSE_LANDING_DIR/<profile>/<dataset>/` load through it into raw.<source>, with
every contract check, the quarantine and the ledger as for any landing file.

A profile that cannot be used raises ProfileError naming the profile file and the key; the
catalogue keeps such errors beside the good profiles, so one broken profile stops only its own
folder from loading.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.config import PROJECT_ROOT
from orchestration.contract import SOURCES_BY_NAME, Source
from orchestration.ingest.options import OptionsError, ReaderOptions, parse_reader, read_yaml

SHIPPED_DIR = PROJECT_ROOT / "profiles"
PROFILES_DIR_ENV = "PULSE_PROFILES_DIR"

_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_TOP_KEYS = {"profile", "system", "description", "documentation", "datasets"}
_DATASET_KEYS = {
    "source",
    "description",
    "documentation",
    "reader",
    "columns",
    "value_maps",
    "constants",
    "exclude_when",
    "identity",
}
_IDENTITY_KEYS = {"master", "key", "email", "domain", "name"}
# What a dataset's customer_id holds: the vendor's own account key, an organisation's name
# (pseudonymised when it matches no customer: a name is not for marts), or the CRM master's
# own customer_id (a hidden survey field carrying it).
IDENTITY_KEY_KINDS = ("id", "name", "crm_id")
# The contract sources whose customer_id dbt resolves (models/staging/identity/
# base_identity__records.sql reads these raw tables).
IDENTITY_SOURCES = ("customers", "invoices", "subscriptions", "support_tickets", "survey_responses")
# A file column referenced in an expression: a double-quoted identifier. A single-quoted
# string literal is matched too (and skipped), so a '"' inside a literal is not read as one.
_QUOTED_NAME = re.compile(r"'(?:[^']|'')*'|\"((?:[^\"]|\"\")*)\"")


def file_columns(expression: str) -> list[str]:
    """The file columns an SQL expression names, as written (trimmed), in order of first
    mention, each once (compared case-insensitively, as DuckDB matches them)."""
    names: dict[str, str] = {}
    for m in _QUOTED_NAME.finditer(expression):
        if m.group(1) is not None:
            name = m.group(1).replace('""', '"').strip()
            names.setdefault(name.lower(), name)
    return list(names.values())


# json_extract / json_extract_string reads of a file column at a literal JSON path
_JSON_READ = re.compile(
    r"json_extract(?:_string)?\(\s*\"((?:[^\"]|\"\")*)\"\s*,\s*'((?:[^']|'')*)'\s*\)",
    re.IGNORECASE,
)


def json_paths(expression: str) -> dict[str, list[str]]:
    """The JSON paths an SQL expression reads inside each file column (lower-cased name ->
    paths in order of first mention): a JSON Lines export nests the value a contract column
    needs in an object, and a reason names where in it."""
    paths: dict[str, list[str]] = {}
    for m in _JSON_READ.finditer(expression):
        column = m.group(1).replace('""', '"').strip().lower()
        path = m.group(2).replace("''", "'")
        if path not in paths.setdefault(column, []):
            paths[column].append(path)
    return paths


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def quote_name(name: str) -> str:
    """A file column's name as a message writes it: in double quotes, as in the profile."""
    return '"' + name.replace('"', '""') + '"'


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the profile file and the key."""


@dataclass(frozen=True)
class Identity:
    """How a dataset's rows say which customer they belong to (docs/profiles.md, "One customer
    across systems"): SQL expressions over the file's columns for a contact e-mail address,
    a company domain and an organisation name, what its customer_id holds (`key`), and
    whether its rows are the customer master (the CRM) that the others resolve to."""

    master: bool
    key: str
    email: str | None
    domain: str | None
    name: str | None

    def expressions(self) -> dict[str, str]:
        parts = {"email": self.email, "domain": self.domain, "name": self.name}
        return {k: e for k, e in parts.items() if e is not None}


@dataclass(frozen=True)
class Dataset:
    profile: str
    name: str
    source: Source
    reader: ReaderOptions
    columns: dict[str, str]  # contract column -> SQL expression over the file's columns
    value_maps: dict[str, dict[str, str]]
    constants: dict[str, str]
    exclude_when: str | None
    where: str  # the profile file and dataset, for messages
    identity: Identity | None = None

    def referenced_names(self) -> dict[str, str]:
        """The file columns the mapping names: lower-cased -> as the profile first writes it.
        The identity expressions count: an e-mail column they read is reduced to its domain
        and hash and is not kept as written."""
        identity = self.identity.expressions() if self.identity else {}
        texts = [*self.columns.values(), self.exclude_when or "", *identity.values()]
        names: dict[str, str] = {}
        for t in texts:
            for name in file_columns(t):
                names.setdefault(name.lower(), name)
        return names

    def referenced_columns(self) -> set[str]:
        """The file columns the mapping names (lower-cased): the others go to _extra."""
        return set(self.referenced_names())

    def origin(self, contract_columns: tuple[str, ...]) -> str:
        """Where contract columns' values come from in the vendor's file, for a quarantine
        reason or a rejection: the dataset's landing folder and the file columns their
        expressions name, as the profile writes them, e.g. `stripe/invoices column "Amount
        Due"`, or with the JSON path read inside a column, `segment/tracks column "context" at
        $.groupId`. Derived from `columns` and `constants`, so it cannot drift from the
        mapping. Only names: never a value of the file (nor the constant's value)."""
        where = f"{self.profile}/{self.name}"
        found: dict[str, str] = {}
        paths: dict[str, list[str]] = {}
        for c in contract_columns:
            expression = self.columns.get(c, "")
            for n in file_columns(expression):
                found.setdefault(n.lower(), n)
            for column, read in json_paths(expression).items():
                known = paths.setdefault(column, [])
                known += [p for p in read if p not in known]
        names = [
            quote_name(n) + (f" at {', '.join(paths[key])}" if paths.get(key) else "")
            for key, n in found.items()
        ]
        if names:
            noun = "column" if len(names) == 1 else "columns"
            return f"{where} {noun} {_and_list(names)}"
        first = contract_columns[0]
        if first in self.constants:
            return f"{where} (the profile's constant)"
        if first in self.columns:
            return f"{where} (an expression naming no file column)"
        return f"{where} (not mapped by the profile)"


@dataclass(frozen=True)
class Profile:
    name: str
    path: Path
    system: str | None
    datasets: dict[str, Dataset]


@dataclass(frozen=True)
class Catalog:
    profiles: dict[str, Profile] = field(default_factory=dict)
    # profile folder name -> why its profile cannot be used
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def folder_names(self) -> set[str]:
        return set(self.profiles) | set(self.errors)

    def datasets_of(self, source_name: str) -> list[Dataset]:
        return [
            d
            for p in sorted(self.profiles.values(), key=lambda p: p.name)
            for d in p.datasets.values()
            if d.source.name == source_name
        ]


def _text_map(raw, where: str, key: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ProfileError(f"{where}: key {key}: expected a mapping")
    for k, v in raw.items():
        if v is None or isinstance(v, dict | list):
            raise ProfileError(f"{where}: key {key}.{k}: expected a single value")
    return {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in raw.items()}


def _contract_keys(mapping: dict, source: Source, where: str, key: str) -> None:
    for name in mapping:
        if name not in source.column_names:
            raise ProfileError(
                f"{where}: key {key}.{name}: not a column of the contract source {source.name}"
                f" (expected one of {', '.join(source.column_names)})"
            )


def _identity(raw, source: Source, where: str, key: str) -> Identity | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ProfileError(f"{where}: key {key}: expected a mapping")
    unknown = sorted(str(k) for k in raw if k not in _IDENTITY_KEYS)
    if unknown:
        raise ProfileError(
            f"{where}: key {key}.{unknown[0]}: unknown key"
            f" (expected one of {', '.join(sorted(_IDENTITY_KEYS))})"
        )
    master = raw.get("master", False)
    if not isinstance(master, bool):
        raise ProfileError(f"{where}: key {key}.master: expected true or false")
    if master and source.name != "customers":
        raise ProfileError(
            f"{where}: key {key}.master: only a dataset feeding customers can be the master"
        )
    kind = raw.get("key", "id")
    if kind not in IDENTITY_KEY_KINDS:
        raise ProfileError(
            f"{where}: key {key}.key: expected one of {', '.join(IDENTITY_KEY_KINDS)}"
        )
    exprs = {}
    for part in ("email", "domain", "name"):
        expr = raw.get(part)
        if expr is not None and (not isinstance(expr, str) or not expr.strip()):
            raise ProfileError(f"{where}: key {key}.{part}: expected an SQL expression")
        exprs[part] = expr
    if source.name not in IDENTITY_SOURCES:
        raise ProfileError(
            f"{where}: key {key}: customers are resolved for the sources"
            f" {', '.join(IDENTITY_SOURCES)}, not {source.name}"
        )
    return Identity(master, kind, **exprs)


def _dataset(profile: str, name: str, raw, where: str) -> Dataset:
    key = f"datasets.{name}"
    if not _NAME.match(str(name)):
        raise ProfileError(f"{where}: key {key}: a dataset name is lower-case [a-z0-9_]")
    if not isinstance(raw, dict):
        raise ProfileError(f"{where}: key {key}: expected a mapping")
    unknown = sorted(str(k) for k in raw if k not in _DATASET_KEYS)
    if unknown:
        raise ProfileError(f"{where}: key {key}.{unknown[0]}: unknown key")
    source = SOURCES_BY_NAME.get(raw.get("source"))
    if source is None:
        raise ProfileError(
            f"{where}: key {key}.source: expected one of {', '.join(SOURCES_BY_NAME)}"
        )
    try:
        reader = parse_reader(raw.get("reader"), where, f"{key}.reader")
    except OptionsError as exc:
        raise ProfileError(str(exc)) from None
    columns = _text_map(raw.get("columns"), where, f"{key}.columns")
    value_maps_raw = raw.get("value_maps") or {}
    if not isinstance(value_maps_raw, dict):
        raise ProfileError(f"{where}: key {key}.value_maps: expected a mapping")
    value_maps = {
        str(c): _text_map(m, where, f"{key}.value_maps.{c}") for c, m in value_maps_raw.items()
    }
    constants = _text_map(raw.get("constants"), where, f"{key}.constants")
    parts = {"columns": columns, "value_maps": value_maps, "constants": constants}
    for part, mapping in parts.items():
        _contract_keys(mapping, source, where, f"{key}.{part}")
    both = sorted(set(columns) & set(constants))
    if both:
        raise ProfileError(
            f"{where}: key {key}.constants.{both[0]}: also in columns; give one or the other"
        )
    unmapped = [c for c in source.required_columns if c not in columns and c not in constants]
    if unmapped:
        raise ProfileError(
            f"{where}: key {key}.columns: the contract source {source.name} requires"
            f" {', '.join(unmapped)}, which neither columns nor constants give"
        )
    exclude = raw.get("exclude_when")
    if exclude is not None and (not isinstance(exclude, str) or not exclude.strip()):
        raise ProfileError(f"{where}: key {key}.exclude_when: expected an SQL condition")
    identity = _identity(raw.get("identity"), source, where, f"{key}.identity")
    return Dataset(
        profile,
        str(name),
        source,
        reader,
        columns,
        value_maps,
        constants,
        exclude,
        where,
        identity,
    )


def load_profile(path: Path) -> Profile:
    """One profile file, validated; ProfileError naming the file and key when it is broken."""
    where = f"profile {path}"
    try:
        raw = read_yaml(path, where)
    except OptionsError as exc:
        raise ProfileError(str(exc)) from None
    if not isinstance(raw, dict):
        raise ProfileError(f"{where}: expected a mapping with the keys profile and datasets")
    unknown = sorted(str(k) for k in raw if k not in _TOP_KEYS)
    if unknown:
        raise ProfileError(f"{where}: key {unknown[0]}: unknown key")
    name = raw.get("profile")
    if name != path.stem:
        raise ProfileError(
            f"{where}: key profile: must be the file's name without .yml ({path.stem}),"
            " which is also its landing folder"
        )
    if not _NAME.match(name) or name in SOURCES_BY_NAME:
        raise ProfileError(
            f"{where}: key profile: lower-case [a-z0-9_] and not a contract source's name"
        )
    datasets = raw.get("datasets")
    if not isinstance(datasets, dict) or not datasets:
        raise ProfileError(f"{where}: key datasets: expected one or more datasets")
    parsed = {str(n): _dataset(name, n, d, where) for n, d in datasets.items()}
    return Profile(name, path, raw.get("system"), parsed)


def profile_dirs() -> list[Path]:
    dirs = [SHIPPED_DIR]
    extra = os.environ.get(PROFILES_DIR_ENV)
    if extra:
        dirs.append(Path(extra))
    return dirs


def load_catalog(dirs: list[Path] | None = None) -> Catalog:
    """Every profile of the profile folders; a broken one is kept as an error for its folder."""
    profiles: dict[str, Profile] = {}
    errors: dict[str, str] = {}
    for folder in dirs if dirs is not None else profile_dirs():
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.yml")):
            if path.stem in profiles or path.stem in errors:
                errors[path.stem] = (
                    f"profile {path}: key profile: {path.stem} is defined twice"
                    " (a shipped profile and one in PULSE_PROFILES_DIR?); rename one"
                )
                profiles.pop(path.stem, None)
                continue
            try:
                profiles[path.stem] = load_profile(path)
            except ProfileError as exc:
                errors[path.stem] = str(exc)
    return Catalog(profiles, errors)
