"""Peak memory of a process tree, sampled with psutil (Linux and macOS).

A daemon thread reads the resident set size (RSS) of the root process and of every
descendant (psutil's children(recursive=True)) every `interval` seconds and keeps
(time, bytes, processes) samples. The harness attributes the samples to the stage running
at that time.

The sum of RSS counts a page shared by two processes twice (shared libraries, the page
cache of a file mapped by both); for Pulse's tree (the Dagster process and its dbt
subprocess, which share nothing large) this over-counts by some tens of MB at most. A fork
that has not exec'd (sharing all of its parent's pages) counts its private pages only (USS).
Short spikes between two samples are missed; on Linux each process's own kernel high-water
mark (VmHWM) is kept too, as a cross-check.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field

import psutil

# a process that ended, turned zombie or is not ours to read between two calls: skipped
_GONE = (psutil.NoSuchProcess, psutil.AccessDenied)


def process_tree(root: int) -> list[int]:
    """root and all its descendants (those alive now)."""
    return [pid for pid, _ in process_tree_parents(root)]


def process_tree_parents(root: int) -> list[tuple[int, int | None]]:
    """(pid, parent pid) of root (parent None) and of all its descendants; [] when root is
    gone."""
    try:
        children = psutil.Process(root).children(recursive=True)
    except _GONE:
        return []
    tree: list[tuple[int, int | None]] = [(root, None)]
    for child in children:
        try:
            tree.append((child.pid, child.ppid()))
        except _GONE:  # ended since the listing
            continue
    return tree


def _cmdline(p: psutil.Process) -> list[str] | None:
    try:
        return p.cmdline()
    except _GONE:
        return None


def is_unexeced_fork(pid: int, parent: int) -> bool:
    """True for a child that forked and has not exec'd yet: it still holds its parent's
    argument strings. A child that exec'd the same interpreter (the dbt process is Python
    under the Python Dagster process) has its own command line, and its own memory."""
    try:
        cmd = _cmdline(psutil.Process(pid))
        # an empty command line (a zombie, a kernel thread) says nothing about a fork
        return bool(cmd) and cmd == _cmdline(psutil.Process(parent))
    except _GONE:
        return False


def private_bytes(pid: int) -> int | None:
    """The pages of a process no other process maps (psutil's USS: Private_Clean +
    Private_Dirty on Linux); None when unreadable (gone, AccessDenied) and on macOS."""
    if sys.platform == "darwin":
        # psutil (7.2) reads USS there through task_for_pid(), which needs root for another
        # process and can block forever (https://github.com/giampaolo/psutil/issues/2885):
        # a blocked sampler thread would hang the harness in stop(), so an unexec'd fork
        # counts 0 on macOS
        return None
    try:
        return psutil.Process(pid).memory_full_info().uss
    except _GONE:
        return None


def _vm_hwm(pid: int) -> int | None:
    """The kernel's high-water mark of the process's RSS (VmHWM, bytes). psutil has no
    equivalent (macOS keeps none for another process), so it is read from /proc on Linux
    and is None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def rss_bytes(pid: int) -> int:
    """Resident bytes of a process; 0 when it is gone."""
    try:
        return psutil.Process(pid).memory_info().rss
    except _GONE:
        return 0


@dataclass
class Sample:
    t: float  # time.time(), comparable with Dagster's event timestamps
    rss: int  # bytes, summed over the tree
    processes: int
    by_process: dict[str, int] = field(default_factory=dict)  # label -> bytes


def _label(p: psutil.Process, root: int, name: str) -> str:
    """A readable name for a process of the tree: the root, dbt, Chromium, or its name."""
    if p.pid == root:
        return "main"
    try:
        cmd = " ".join(p.cmdline())
    except _GONE:
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
    _proc: psutil.Process | None = None

    def start(self) -> TreeSampler:
        try:
            # taken now, while the root is surely alive: psutil remembers its start time and
            # so tells a later process that reuses the pid from it
            self._proc = psutil.Process(self.root)
        except _GONE:
            self._proc = None  # already gone: no samples
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
        root = self._proc
        while root is not None and not self._stop.is_set():
            started = time.time()
            self._sample(root, started)
            self._stop.wait(max(0.0, self.interval - (time.time() - started)))

    def _sample(self, root: psutil.Process, started: float) -> None:
        try:
            # raises NoSuchProcess when the root is gone or its pid was reused (psutil
            # compares start times); a zombie root has no children left (they are
            # reparented when it exits) and is skipped below, so that tick has no sample
            tree = [root, *root.children(recursive=True)]
        except _GONE:
            return
        procs = {p.pid: p for p in tree}
        cmdlines: dict[int, list[str] | None] = {}  # read once per tick, child or parent

        def cmdline(p: psutil.Process) -> list[str] | None:
            if p.pid not in cmdlines:
                cmdlines[p.pid] = _cmdline(p)
            return cmdlines[p.pid]

        total, n, by_process = 0, 0, {}
        for p in tree:
            try:
                with p.oneshot():  # status, name and ppid from one read of the process
                    if p.status() == psutil.STATUS_ZOMBIE:  # exited: holds no memory
                        continue
                    name, rss = p.name(), p.memory_info().rss
                    parent = None if p is root else procs.get(p.ppid())
            except _GONE:
                continue
            # as is_unexeced_fork(); an empty command line (a zombie) says nothing
            if parent is not None and cmdline(p) and cmdline(p) == cmdline(parent):
                # a fork that has not exec'd yet (the Spark JVM forks to spawn helper
                # commands) shares its parent's pages: its RSS repeats the parent's
                # several GB, so only its private pages count (0 when unreadable)
                rss = private_bytes(p.pid) or 0
            total += rss
            n += 1
            # labelled again when the name changes: pyspark's launcher script (bash)
            # execs the JVM under the same pid
            if self._labels.get(p.pid, ("",))[0] != name:
                self._labels[p.pid] = (name, _label(p, self.root, name))
            label = self._labels[p.pid][1]
            by_process[label] = by_process.get(label, 0) + rss
            hwm = _vm_hwm(p.pid)
            if hwm is not None and hwm > self.hwm.get(p.pid, ("", 0))[1]:
                self.hwm[p.pid] = (name, hwm)
        if n:
            self.samples.append(Sample(started, total, n, by_process))

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

    def max_process_hwm(self) -> int | None:
        """The largest VmHWM of one process of the tree; None where the kernel gives none
        (every platform but Linux)."""
        return max((b for _, b in self.hwm.values()), default=None)
