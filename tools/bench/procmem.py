"""Peak memory of a process tree, sampled from /proc (Linux, no dependency).

A daemon thread reads VmRSS of the root process and of every descendant (found through the
parent pid in /proc/<pid>/stat) every `interval` seconds and keeps (time, bytes, processes)
samples. The harness attributes the samples to the stage running at that time.

The sum of VmRSS counts a page shared by two processes twice (shared libraries, the page
cache of a file mapped by both); for Pulse's tree (the Dagster process and its dbt
subprocess, which share nothing large) this over-counts by some tens of MB at most. A fork
that has not exec'd (sharing all of its parent's pages) counts its private pages only. Short
spikes between two samples are missed; each process's own kernel high-water mark (VmHWM) is
kept too, as a cross-check.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # the command name (field 2) may contain spaces and parentheses: split after its ')'
        rest = stat[stat.rfind(b")") + 2 :].split()
        children.setdefault(int(rest[1]), []).append(int(entry.name))
    return children


def process_tree(root: int) -> list[int]:
    """root and all its descendants (those alive now)."""
    return [pid for pid, _ in process_tree_parents(root)]


def process_tree_parents(root: int) -> list[tuple[int, int | None]]:
    """(pid, parent pid) of root (parent None) and of all its descendants."""
    children = _children_map()
    tree: list[tuple[int, int | None]] = []
    todo: list[tuple[int, int | None]] = [(root, None)]
    while todo:
        pid, parent = todo.pop()
        tree.append((pid, parent))
        todo.extend((child, pid) for child in children.get(pid, []))
    return tree


def _cmdline(pid: int) -> bytes | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read()
    except OSError:
        return None


def is_unexeced_fork(pid: int, parent: int) -> bool:
    """True for a child that forked and has not exec'd yet: it still holds its parent's
    argument strings. A child that exec'd the same interpreter (the dbt process is Python
    under the Python Dagster process) has its own command line, and its own memory."""
    cmd = _cmdline(pid)
    return cmd is not None and cmd == _cmdline(parent)


def private_bytes(pid: int) -> int | None:
    """Private_Clean + Private_Dirty of a process (its pages no other process maps)."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith((b"Private_Clean:", b"Private_Dirty:")):
                    total += int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return total


def _status(pid: int) -> tuple[str, int, int] | None:
    """(name, VmRSS bytes, VmHWM bytes) of a live process; None when it is gone (or a
    zombie, which has no VmRSS line)."""
    name, rss, hwm = "?", None, 0
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"Name:"):
                    name = line[5:].strip().decode(errors="replace")
                elif line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith(b"VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None if rss is None else (name, rss, hwm)


def rss_bytes(pid: int) -> int:
    status = _status(pid)
    return status[1] if status else 0


@dataclass
class Sample:
    t: float  # time.time(), comparable with Dagster's event timestamps
    rss: int  # bytes, summed over the tree
    processes: int
    by_process: dict[str, int] = field(default_factory=dict)  # label -> bytes


def _label(pid: int, root: int, name: str) -> str:
    """A readable name for a process of the tree: the root, dbt, Chromium, or its name."""
    if pid == root:
        return "main"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        cmd = ""
    if "bin/dbt " in cmd or cmd.endswith("bin/dbt"):
        return "dbt"
    if "chrom" in cmd.lower():
        return "chromium"
    if "org.apache.spark" in cmd:  # the JVM of a local Spark session (PULSE_TARGET=spark)
        return "spark JVM"
    return name


@dataclass
class TreeSampler:
    """Samples the tree under `root` until stop(). Use as a context manager."""

    root: int
    interval: float = 0.05
    samples: list[Sample] = field(default_factory=list)
    hwm: dict[int, tuple[str, int]] = field(default_factory=dict)  # pid -> (name, VmHWM B)
    _labels: dict[int, tuple[str, str]] = field(default_factory=dict)  # pid -> (name, label)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> TreeSampler:
        self._thread = threading.Thread(target=self._loop, name="bench-rss", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> TreeSampler:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _loop(self) -> None:
        while not self._stop.is_set():
            started = time.time()
            total, n, by_process = 0, 0, {}
            if _status(self.root) is None:  # the root has exited: its pid may be reused
                self._stop.wait(self.interval)
                continue
            for pid, parent in process_tree_parents(self.root):
                status = _status(pid)
                if status is None:
                    continue
                name, rss, hwm = status
                if parent is not None and is_unexeced_fork(pid, parent):
                    # a fork that has not exec'd yet (the Spark JVM forks to spawn helper
                    # commands) shares its parent's pages: its VmRSS repeats the parent's
                    # several GB, so only its private pages count
                    rss = private_bytes(pid) or 0
                total += rss
                n += 1
                # labelled again when the name changes: pyspark's launcher script (bash)
                # execs the JVM under the same pid
                if self._labels.get(pid, ("",))[0] != name:
                    self._labels[pid] = (name, _label(pid, self.root, name))
                label = self._labels[pid][1]
                by_process[label] = by_process.get(label, 0) + rss
                if hwm > self.hwm.get(pid, ("", 0))[1]:
                    self.hwm[pid] = (name, hwm)
            if n:
                self.samples.append(Sample(started, total, n, by_process))
            self._stop.wait(max(0.0, self.interval - (time.time() - started)))

    def peak(self, t0: float | None = None, t1: float | None = None) -> int:
        """Largest tree RSS (bytes) sampled in [t0, t1]; 0 when no sample falls inside."""
        lo = float("-inf") if t0 is None else t0
        hi = float("inf") if t1 is None else t1
        return max((s.rss for s in self.samples if lo <= s.t <= hi), default=0)

    def peak_sample(self, t0: float | None = None, t1: float | None = None) -> Sample | None:
        """The sample with the largest tree RSS in [t0, t1]."""
        lo = float("-inf") if t0 is None else t0
        hi = float("inf") if t1 is None else t1
        inside = [s for s in self.samples if lo <= s.t <= hi]
        return max(inside, key=lambda s: s.rss) if inside else None

    def peak_or_nearest(self, t0: float, t1: float) -> int:
        """peak() of the window, or of the sample nearest to it when the stage was shorter
        than one sampling interval."""
        inside = self.peak(t0, t1)
        if inside or not self.samples:
            return inside
        mid = (t0 + t1) / 2
        return min(self.samples, key=lambda s: abs(s.t - mid)).rss

    def max_process_hwm(self) -> int:
        return max((b for _, b in self.hwm.values()), default=0)
