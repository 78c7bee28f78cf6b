"""The landing folder before anything loads: is it there, and what at its root is not Pulse's.

`scan_landing` looks at the landing folder's top level (the loader reads inside the source
folders) and one level into each profile folder (`<profile>/<dataset>/`, docs/profiles.md).
A folder that does not exist, cannot be read, or holds neither a contract source folder nor a
profile folder is an error (LandingError, naming the path): a misspelt PULSE_LANDING_DIR would
otherwise load nothing and publish empty marts. Everything else that is not loaded (a misspelt
or differently cased folder, a dot-file or dot-folder, a stray file, a folder of a broken
profile, a profile folder's entry that is none of its datasets) is an IgnoredEntry with the
reason in words. `record_ignored` writes those to the load ledger with status `ignored`, once
per path, so they show in rpt_load_files; the reason names the path's kind, never its content.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.contract import SOURCES
from orchestration.ingest.loader import file_sha256, is_hidden_or_setting, landing_files
from orchestration.ingest.profiles import Catalog, load_catalog

SOURCE_NAMES = tuple(s.name for s in SOURCES)
# The demo-data generator's count of what it wrote (tools/demo_data): Pulse's own.
DEMO_MANIFEST = "_manifest.json"
IGNORED = "ignored"


class LandingError(RuntimeError):
    """The landing folder cannot be loaded from at all; the message names the path."""


@dataclass(frozen=True)
class IgnoredEntry:
    path: str  # relative to the landing folder; a folder ends with "/"
    name: str  # the entry's name at the landing root
    is_folder: bool
    reason: str


@dataclass(frozen=True)
class LandingScan:
    landing_dir: Path
    sources: tuple[str, ...]  # the contract's source folders present
    ignored: tuple[IgnoredEntry, ...]
    profiles: tuple[str, ...] = ()  # the folders of usable profiles present


def _expected() -> str:
    return ", ".join(SOURCE_NAMES)


def _unknown_folder_reason(name: str) -> str:
    reason = f"unknown source folder: expected one of {_expected()}"
    close = difflib.get_close_matches(name.lower(), SOURCE_NAMES, n=1, cutoff=0.8)
    return reason + (f" (did you mean {close[0]}?)" if close else "")


def _source_of(landing_dir: Path, entry: os.DirEntry) -> str | None:
    """The source folder `entry` is: its own name, or, on a case-insensitive file system
    (macOS, Windows), a name differing only in case that opens the same folder."""
    if not entry.is_dir():
        return None
    if entry.name in SOURCE_NAMES:
        return entry.name
    lower = entry.name.lower()
    same = (
        lower in SOURCE_NAMES
        and (landing_dir / lower).is_dir()
        and os.path.samefile(entry.path, landing_dir / lower)
    )
    return lower if same else None


def _profile_entries(landing_dir: Path, profile, name: str) -> list[IgnoredEntry]:
    """What inside a profile folder is not one of its datasets' folders (`_` and dot names
    are Pulse's own or hidden, and skipped)."""
    ignored = []
    with os.scandir(landing_dir / name) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if is_hidden_or_setting(entry.name):
                continue
            if entry.is_dir() and entry.name in profile.datasets:
                continue
            expected = ", ".join(sorted(profile.datasets))
            kind = "folder" if entry.is_dir() else "file"
            path = f"{name}/{entry.name}" + ("/" if entry.is_dir() else "")
            reason = f"a {kind} that is not a dataset of profile {name}: expected {expected}/"
            ignored.append(IgnoredEntry(path, name, entry.is_dir(), reason))
    return ignored


def _ignored(entry: os.DirEntry) -> IgnoredEntry | None:
    """Why a root entry that is not a source folder is not loaded; None for the demo
    manifest."""
    is_folder = entry.is_dir()
    name = entry.name
    path = name + "/" if is_folder else name
    if name.startswith("."):
        kind = "folder" if is_folder else "file"
        return IgnoredEntry(
            path, name, is_folder, f"hidden {kind} (its name starts with '.'): not loaded"
        )
    if is_folder:
        return IgnoredEntry(path, name, True, _unknown_folder_reason(name))
    if name == DEMO_MANIFEST:
        return None
    return IgnoredEntry(
        path,
        name,
        False,
        f"a file at the landing root: files load from a source folder, e.g. {SOURCE_NAMES[0]}/",
    )


def scan_landing(landing_dir: Path, catalog: Catalog | None = None) -> LandingScan:
    """The landing folder's source and profile folders and ignored entries; LandingError when
    it cannot be loaded from. A folder whose profile is broken is ignored, with the profile's
    error as the reason."""
    catalog = catalog if catalog is not None else load_catalog()
    if not landing_dir.exists():
        raise LandingError(f"landing folder {landing_dir} does not exist (check PULSE_LANDING_DIR)")
    if not landing_dir.is_dir():
        raise LandingError(
            f"landing folder {landing_dir} is not a folder (check PULSE_LANDING_DIR)"
        )
    try:
        with os.scandir(landing_dir) as entries:
            found = sorted(entries, key=lambda e: e.name)
    except OSError as exc:
        raise LandingError(f"landing folder {landing_dir} cannot be read: {exc.strerror}") from None
    sources, profiles, ignored = [], [], []
    for entry in found:
        source = _source_of(landing_dir, entry)
        if source is not None:
            sources.append(source)
        elif entry.is_dir() and entry.name in catalog.profiles:
            profiles.append(entry.name)
            ignored += _profile_entries(landing_dir, catalog.profiles[entry.name], entry.name)
        elif entry.is_dir() and entry.name in catalog.errors:
            reason = f"profile folder not loaded: {catalog.errors[entry.name]}"
            ignored.append(IgnoredEntry(entry.name + "/", entry.name, True, reason))
        elif (why := _ignored(entry)) is not None:
            ignored.append(why)
    if not sources and not profiles:
        raise LandingError(
            f"landing folder {landing_dir} holds no source folder: expected one or more of"
            f" {_expected()}, or a profile's folder (check PULSE_LANDING_DIR)"
        )
    return LandingScan(landing_dir, tuple(sources), tuple(ignored), tuple(profiles))


def _size_and_hash(landing_dir: Path, entry: IgnoredEntry) -> tuple[int, str]:
    """A file's size and sha256 (what the ledger records of any file); 0 and '' for a folder."""
    if entry.is_folder:
        return 0, ""
    path = landing_dir / entry.path
    try:
        return path.stat().st_size, file_sha256(path)
    except OSError:  # a socket, a dangling link, no permission: nothing to measure
        return 0, ""


def record_ignored(
    con: duckdb.DuckDBPyConnection, scan: LandingScan, run_id: str
) -> list[IgnoredEntry]:
    """Ledger rows (status `ignored`) for the ignored entries not recorded before; returns
    those newly recorded. The ledger's tables must exist (ingest.schema.ensure_schema)."""
    if not scan.ignored:
        return []
    recorded = {
        row[0]
        for row in con.execute(
            "select file_path from pulse_meta.load_ledger where status = ? and file_path in"
            " (select unnest(?::varchar[]))",
            [IGNORED, [e.path for e in scan.ignored]],
        ).fetchall()
    }
    new = [e for e in scan.ignored if e.path not in recorded]
    if not new:
        return []
    measured = [_size_and_hash(scan.landing_dir, e) for e in new]
    con.execute(
        """insert into pulse_meta.load_ledger (file_id, run_id, source, file_path, file_format,
            file_size, content_hash, status, error, rows_read, rows_loaded, rows_quarantined,
            loaded_at)
        select nextval('pulse_meta.file_id_seq'), ?, name, path, null, size, sha, ?, reason,
            0, 0, 0, now()::timestamp
        from (
            select unnest(?::varchar[]) as path, unnest(?::varchar[]) as name,
                unnest(?::bigint[]) as size, unnest(?::varchar[]) as sha,
                unnest(?::varchar[]) as reason
        )
        order by path""",
        [
            run_id,
            IGNORED,
            [e.path for e in new],
            [e.name for e in new],
            [size for size, _ in measured],
            [sha for _, sha in measured],
            [e.reason for e in new],
        ],
    )
    return new


@dataclass(frozen=True)
class LandingFingerprint:
    """Every file the loader would read, by path relative to the landing folder: (size,
    modification time in ns). Equal fingerprints: nothing new or changed to load."""

    files: dict[str, tuple[int, int]]

    @property
    def digest(self) -> str:
        text = "\n".join(f"{path}\t{size}\t{mtime}" for path, (size, mtime) in self.files.items())
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def newest_mtime_ns(self) -> int:
        return max((mtime for _, mtime in self.files.values()), default=0)


def landing_fingerprint(landing_dir: Path, catalog: Catalog | None = None) -> LandingFingerprint:
    """The fingerprint of the files in the source folders and the profile datasets' folders
    (the loader's own listing; dot and `_` names are not data); LandingError as scan_landing."""
    catalog = catalog if catalog is not None else load_catalog()
    scan = scan_landing(landing_dir, catalog)
    folders = list(scan.sources)
    folders += [
        f"{name}/{dataset}" for name in scan.profiles for dataset in catalog.profiles[name].datasets
    ]
    files = {}
    for folder in folders:
        for path in landing_files(landing_dir, folder):
            try:
                stat = path.stat()
            except OSError:  # a dangling link: the loader refuses it; its own state counts
                stat = path.lstat()
            files[path.relative_to(landing_dir).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return LandingFingerprint(dict(sorted(files.items())))
