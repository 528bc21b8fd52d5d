"""The running stack for the serving benchmarks (``bench/load.py``, ``bench/startup.py``).

- The models compared: ``project`` (the trained ``bot/models/shouhou.tar.gz``, copied so that
  a retraining during the run cannot change it) and ``stock`` (``bench/stock/config.yml``:
  Rasa's default configuration with jieba, on the same domain and data), trained here with a
  given number of epochs and cached under ``reports/bench/cache/`` by a digest of the
  configuration, domain, training data and epochs.
- :class:`Stack`: ``scripts/run.sh``, exactly what ``make run`` starts, with a given model
  (``MODEL``), free ports, its own ``VAR_DIR``, endpoints file (the project's, with the
  action server's port and SQLite files moved into the run's folder) and a fresh ticket
  database that ``scripts/run.sh`` migrates. Started in a process group of its own and
  stopped like Ctrl-C stops ``make run``.
- The processes of a running stack (from ``/proc``: psutil is not in the lock) with their
  resident (RSS) and proportional (PSS: shared pages divided among the processes that share
  them) memory, split into the Rasa server (every Sanic worker) and the action server.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.nlu_benchmark import override_epochs, percentile  # noqa: E402
from bot.trainer import paths  # noqa: E402
from bot.trainer.train import fingerprint  # noqa: E402

STOCK_CONFIG = ROOT / "bench" / "stock" / "config.yml"
CACHE_DIR = ROOT / "reports" / "bench" / "cache"
RUN_SCRIPT = ROOT / "scripts" / "run.sh"
REST_PATH = "/webhooks/rest/webhook"
CONFIGS = ("project", "stock")
DEFAULT_STOCK_EPOCHS = 40
#: What the startup probe says: a greeting, answered by a response (no action needed).
PROBE_TEXT = "你好"


class StackError(Exception):
    """The stack could not be started, or a model could not be trained."""


# --- numbers ------------------------------------------------------------------------------


def latency_ms(seconds: Iterable[float]) -> dict[str, float | None]:
    """p50, p95, p99, mean and max of durations, in milliseconds (None when there are none)."""
    ms = [s * 1000 for s in seconds]
    if not ms:
        return {"p50": None, "p95": None, "p99": None, "mean": None, "max": None}
    return {
        "p50": round(percentile(ms, 50), 1),
        "p95": round(percentile(ms, 95), 1),
        "p99": round(percentile(ms, 99), 1),
        "mean": round(sum(ms) / len(ms), 1),
        "max": round(max(ms), 1),
    }


def machine() -> dict[str, Any]:
    """The CPUs this process may run on and the load averages (the machine is shared)."""
    return {"cpus": len(os.sched_getaffinity(0)), "load_average": list(os.getloadavg())}


def run_stamp() -> dict[str, Any]:
    """When (UTC) and on what a run was recorded: a report's ``timestamp`` and ``machine``."""
    return {
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
    }


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- models -------------------------------------------------------------------------------


def training_files() -> list[Path]:
    """The domain and every training data file (what a model of this project is trained on)."""
    files = [paths.DOMAIN]
    for folder in paths.TRAINING_DATA:
        files.extend(p for p in folder.rglob("*") if p.is_file())
    return sorted(set(files))


def stock_digest(epochs: int, config: Path = STOCK_CONFIG) -> str:
    """A short digest of the stock configuration, the domain, the training data and ``epochs``."""
    digest = hashlib.sha256(config.read_bytes())
    digest.update(f"\0{fingerprint(training_files(), root=ROOT)}\0epochs={epochs}".encode())
    return digest.hexdigest()[:16]


def stock_model(epochs: int, *, cache: Path = CACHE_DIR, log: Any = None) -> dict[str, Any]:
    """The stock model trained with ``epochs``: from the cache, or trained now and cached.

    Trained with ``python -m rasa train`` (through ``bot.trainer.sandbox.run``) on the
    project's domain and data, with a Rasa cache of its own, so the project's is untouched.

    Returns:
        ``{"model": path, "digest", "epochs", "train_s", "cached": bool}``.

    Raises:
        StackError: Training failed (the end of Rasa's output is in the message).
    """
    from bot.trainer.sandbox import run

    digest = stock_digest(epochs)
    model = cache / f"stock-{digest}.tar.gz"
    info_file = model.with_suffix("").with_suffix(".json")
    if model.is_file() and info_file.is_file():
        info = json.loads(info_file.read_text(encoding="utf-8"))
        return {**info, "model": str(model), "cached": True}
    cache.mkdir(parents=True, exist_ok=True)
    print(f"training the stock model ({epochs} epochs; cached as {model.name})", file=log)
    with tempfile.TemporaryDirectory(prefix="stock-train-") as tmp:
        work = Path(tmp)
        config = override_epochs(yaml.safe_load(STOCK_CONFIG.read_text(encoding="utf-8")), epochs)
        config_file = work / "config.yml"
        config_file.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
        command = [
            "-m", "rasa", "train", "--config", str(config_file), "--domain", str(paths.DOMAIN),
            "--data", *(str(p) for p in paths.TRAINING_DATA),
            "--out", str(work / "models"), "--fixed-model-name", "stock",
        ]  # fmt: skip
        result = run(ROOT, command, env={"RASA_CACHE_DIRECTORY": str(work / "cache")})
        trained = work / "models" / "stock.tar.gz"
        if result.returncode != 0 or not trained.is_file():
            raise StackError(
                f"stock training failed (exit code {result.returncode}):\n{result.output[-3000:]}"
            )
        partial = model.with_name(model.name + ".part")
        shutil.copy2(trained, partial)
        partial.replace(model)
    info = {"digest": digest, "epochs": epochs, "train_s": round(result.seconds, 1)}
    info_file.write_text(json.dumps(info), encoding="utf-8")
    print(f"stock model trained in {result.seconds:.0f} s", file=log)
    return {**info, "model": str(model), "cached": False}


def project_model(target: Path, source: Path = paths.MODEL_FILE) -> dict[str, Any]:
    """Copy the project's trained model to ``target``; where it came from and its digest.

    Raises:
        StackError: There is no trained model.
    """
    if not source.is_file():
        raise StackError(f"no trained model at {source}: run `make train`")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()[:16]
    return {"model": str(target), "source": str(source), "digest": digest}


# --- endpoints ----------------------------------------------------------------------------


def _rebase(value: Any, var_dir: Path) -> Any:
    """``value`` with every string that names a file under ``var/`` moved into ``var_dir``."""
    if isinstance(value, dict):
        return {key: _rebase(item, var_dir) for key, item in value.items()}
    if isinstance(value, list):
        return [_rebase(item, var_dir) for item in value]
    if isinstance(value, str) and value.startswith("var/"):
        return str(var_dir / value.removeprefix("var/"))
    return value


def run_endpoints(source: Mapping[str, Any], action_port: int, var_dir: Path) -> dict[str, Any]:
    """The endpoints of one benchmark run, derived from the project's endpoints file.

    The action endpoint points at ``action_port`` on this machine, and files under ``var/``
    (the SQLite tracker store ...) move into ``var_dir``; everything else (lock store, event
    broker ...) stays as it is.
    """
    endpoints: dict[str, Any] = _rebase(dict(source), var_dir)
    action = dict(endpoints.get("action_endpoint") or {})
    action["url"] = f"http://localhost:{action_port}/webhook"
    endpoints["action_endpoint"] = action
    return endpoints


# --- processes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessInfo:
    """One process of the stack and its memory."""

    pid: int
    ppid: int
    role: str  # rasa | actions | script
    command: str
    rss_mb: float
    pss_mb: float | None


def parent_of(stat: str) -> int:
    """The parent PID from the text of ``/proc/<pid>/stat`` (the name may hold spaces)."""
    return int(stat_fields(stat)[1])


def parents() -> dict[int, int]:
    """PID → parent PID of every process visible in ``/proc``."""
    result: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                result[int(entry.name)] = parent_of((entry / "stat").read_text())
            except (OSError, IndexError, ValueError):
                continue  # the process ended meanwhile
    return result


def descendants(root: int, parent: Mapping[int, int]) -> list[int]:
    """``root`` and every process below it, parents before children."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    order, queue = [], [root]
    while queue:
        pid = queue.pop(0)
        order.append(pid)
        queue.extend(sorted(children.get(pid, [])))
    return order


def memory_kb(status_or_rollup: str, key: str) -> int | None:
    """The ``key:`` value in kB of ``/proc/<pid>/status`` or ``smaps_rollup`` text."""
    for line in status_or_rollup.splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return None


def roles(
    tree: list[int], parent: Mapping[int, int], commands: Mapping[int, str]
) -> dict[int, str]:
    """The role of each process: below ``bot.serve`` Rasa, below the action server actions."""
    result: dict[int, str] = {}
    for pid in tree:
        ppid = parent.get(pid)
        command = commands.get(pid, "")
        if ppid in result and result[ppid] != "script":
            result[pid] = result[ppid]
        elif "-m bot.serve" in command:
            result[pid] = "rasa"
        elif "-m rasa_sdk" in command or "-m bot.runtime.action_server" in command:
            result[pid] = "actions"
        else:
            result[pid] = "script"
    return result


def stack_processes(root: int) -> list[ProcessInfo]:
    """The processes of the stack started as ``root`` with their memory now."""
    parent = parents()
    tree = descendants(root, parent)
    commands: dict[int, str] = {}
    for pid in tree:
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        commands[pid] = raw.replace(b"\0", b" ").decode(errors="replace").strip()
    role = roles(tree, parent, commands)
    result = []
    for pid in tree:
        try:
            rss = memory_kb(Path(f"/proc/{pid}/status").read_text(), "VmRSS")
        except OSError:
            continue
        try:
            pss = memory_kb(Path(f"/proc/{pid}/smaps_rollup").read_text(), "Pss")
        except OSError:
            pss = None
        if rss is None:
            continue  # a zombie
        result.append(
            ProcessInfo(
                pid=pid,
                ppid=parent.get(pid, 0),
                role=role[pid],
                command=commands.get(pid, "")[:160],
                rss_mb=round(rss / 1024, 1),
                pss_mb=None if pss is None else round(pss / 1024, 1),
            )
        )
    return result


def memory_summary(processes: list[ProcessInfo]) -> dict[str, Any]:
    """Per role: the processes, their total RSS and PSS and the largest RSS, in MB."""
    summary: dict[str, Any] = {}
    for role in ("rasa", "actions"):
        rows = [p for p in processes if p.role == role]
        summary[role] = {
            "processes": [asdict(p) for p in rows],
            "count": len(rows),
            "rss_total_mb": round(sum(p.rss_mb for p in rows), 1),
            "pss_total_mb": round(sum(p.pss_mb or 0 for p in rows), 1),
            "rss_max_mb": max((p.rss_mb for p in rows), default=0.0),
        }
    return summary


# --- the stack ----------------------------------------------------------------------------


def stat_fields(stat: str) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` text after the name: state, ppid, pgrp, ..."""
    return stat.rsplit(")", 1)[1].split()


def alive(fields: list[str]) -> bool:
    """Whether a process is live by its stat fields (an exited one not yet reaped is not)."""
    return fields[0] not in ("Z", "X")


def cpu_seconds(fields: list[str]) -> float:
    """User + system CPU seconds a process used so far, by its stat fields."""
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (an exited one not yet reaped, a zombie, is not)."""
    try:
        return alive(stat_fields(Path(f"/proc/{pid}/stat").read_text()))
    except (OSError, IndexError):
        return False


def machine_cpu_ticks(stat: str | None = None) -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from ``/proc/stat``."""
    text = stat if stat is not None else Path("/proc/stat").read_text()
    values = [int(v) for v in text.splitlines()[0].split()[1:9]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def process_cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU seconds used so far by the live ``pids`` (gone ones count 0)."""
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(stat_fields(Path(f"/proc/{pid}/stat").read_text()))
        except (OSError, IndexError):
            continue
    return total


SERVICE_PROGRAMS = {"postgres": "postgresql", "redis-server": "redis", "beam.smp": "rabbitmq"}
"""``comm`` of this machine's service processes → the group their CPU time is counted in."""


def cpu_by_group(groups: Mapping[int, str]) -> dict[str, float]:
    """CPU seconds used so far, per group: ``groups`` (PID → name), the services, the rest.

    Every process visible in ``/proc`` counts: the ones in ``groups`` under their name, this
    machine's PostgreSQL, Redis and RabbitMQ under theirs (:data:`SERVICE_PROGRAMS`), this
    process as ``load generator``, anything else as ``other``.
    """
    result: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        comm = stat[stat.find("(") + 1 : stat.rfind(")")]
        fields = stat_fields(stat)
        if pid in groups:
            group = groups[pid]
        elif pid == os.getpid():
            group = "load generator"
        else:
            group = SERVICE_PROGRAMS.get(comm, "other")
        result[group] = result.get(group, 0.0) + cpu_seconds(fields)
    return result


def group_members(pgid: int) -> list[int]:
    """The live processes of process group ``pgid``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = stat_fields((entry / "stat").read_text())
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        if int(fields[2]) == pgid and alive(fields):
            members.append(int(entry.name))
    return members


def group_gone(pgid: int, seconds: float) -> bool:
    """Whether every process of group ``pgid`` has exited, waiting up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while group_members(pgid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)
    return True


def stop_group(process: subprocess.Popen[bytes], also: Iterable[int] = ()) -> int | None:
    """Stop ``process`` and its group like Ctrl-C does (then harder); its exit code.

    Waits until every process of its group, and every PID in ``also`` (processes that left
    the group, such as supervisord's programs), has exited.
    """
    also = list(also)

    def gone(seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        if not group_gone(process.pid, seconds):
            return False
        while any(running(pid) for pid in also):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)
        return True

    code: int | None = None
    for sig, wait in ((signal.SIGINT, 60), (signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            code = process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        # The script has exited; its servers may still be finishing: wait for them too.
        if gone(wait):
            return code
    for pid in also:
        if running(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    return code if code is not None else process.poll()


def tickets(ticket_url: str, sender_prefix: str) -> dict[str, list[str]]:
    """Ticket numbers per REST sender id for the senders whose id starts with ``sender_prefix``.

    The tickets are stored under the REST conversation ids (``rest:<sender>``).
    """
    from sqlalchemy import select

    from bot.channels.rest.body import SENDER_NAMESPACE, rest_sender_id
    from bot.tickets import dispose_engines, session_scope
    from bot.tickets.models import Ticket

    found: dict[str, list[str]] = {}
    query = select(Ticket.sender_id, Ticket.ticket_no).where(
        Ticket.sender_id.startswith(rest_sender_id(sender_prefix), autoescape=True)
    )
    with session_scope(ticket_url) as session:
        for conversation, number in session.execute(query):
            sender = str(conversation).removeprefix(SENDER_NAMESPACE)
            found.setdefault(sender, []).append(str(number))
    dispose_engines()
    return found


class Stack:
    """``scripts/run.sh`` with a given model, free ports and its own folder and databases."""

    def __init__(self, model: Path, work: Path, *, workers: int | None = None) -> None:
        self.model = model
        self.work = work
        self.var_dir = work / "var"
        self.rasa_port, self.action_port = free_port(), free_port()
        self.ticket_url = f"sqlite:///{work / 'tickets.db'}"
        self.workers = workers
        self.endpoints = work / "endpoints.yml"
        self.log = work / "run.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    @property
    def url(self) -> str:
        """The REST webhook of the Rasa server."""
        return f"http://127.0.0.1:{self.rasa_port}{REST_PATH}"

    def environment(self) -> dict[str, str]:
        """The environment ``scripts/run.sh`` gets: ours, plus the run's ports and files."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("WECHAT_")}
        env.update(
            RASA_PORT=str(self.rasa_port),
            ACTION_PORT=str(self.action_port),
            ENDPOINTS=str(self.endpoints),
            DATABASE_URL=self.ticket_url,
            VAR_DIR=str(self.var_dir),
            MODEL=str(self.model),
        )
        if self.workers is not None:
            env["RASA_WORKERS"] = str(self.workers)
        return env

    def start(self, timeout: float = 900) -> float:
        """Start ``scripts/run.sh``; seconds from its start to the first REST answer.

        Raises:
            StackError: The script exited or nothing answered within ``timeout`` seconds.
        """
        import requests

        self.work.mkdir(parents=True, exist_ok=True)
        source_file = ROOT / os.environ.get("ENDPOINTS", "endpoints.yml")
        source = yaml.safe_load(source_file.read_text(encoding="utf-8"))
        self.endpoints.write_text(
            yaml.safe_dump(run_endpoints(source or {}, self.action_port, self.var_dir)),
            encoding="utf-8",
        )
        with self.log.open("ab") as log:
            self.started_at = time.monotonic()
            self.process = subprocess.Popen(
                [str(RUN_SCRIPT)], cwd=ROOT, env=self.environment(), stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        probe = {"sender": f"startup-probe-{uuid.uuid4().hex[:8]}", "message": PROBE_TEXT}
        deadline = self.started_at + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StackError(
                    f"scripts/run.sh exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                answer = requests.post(self.url, json=probe, timeout=30)
                if answer.status_code == 200 and answer.json():
                    return time.monotonic() - self.started_at
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.2)
        self.stop()
        raise StackError(f"no REST answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the script's output."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def memory(self) -> dict[str, Any]:
        """The memory of the Rasa processes and of the action server now."""
        if self.process is None:
            raise StackError("the stack is not running")
        return memory_summary(stack_processes(self.process.pid))

    def tickets(self, sender_prefix: str) -> dict[str, list[str]]:
        """Ticket numbers per REST sender id starting with ``sender_prefix`` (:func:`tickets`)."""
        return tickets(self.ticket_url, sender_prefix)

    def stop(self) -> int | None:
        """Stop the stack like Ctrl-C stops ``make run`` (then harder); the script's exit code."""
        process, self.process = self.process, None
        return None if process is None else stop_group(process)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


# --- configurations -----------------------------------------------------------------------


def prepare_models(
    configs: Iterable[str], work: Path, stock_epochs: int, *, log: Any = None
) -> dict[str, dict[str, Any]]:
    """Name → model information (``model`` path ...) for each configuration.

    Raises:
        StackError: An unknown configuration, no project model, or stock training failed.
    """
    models: dict[str, dict[str, Any]] = {}
    for name in configs:
        if name == "project":
            models[name] = project_model(work / "project.tar.gz")
        elif name == "stock":
            models[name] = stock_model(stock_epochs, log=log)
        else:
            raise StackError(f"unknown configuration {name!r}: choose from {', '.join(CONFIGS)}")
    return models


def parse_configs(text: str) -> list[str]:
    """The configurations named in a comma-separated ``--configs`` value.

    Raises:
        ValueError: None named, or an unknown or repeated name.
    """
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise ValueError("--configs names no configuration")
    unknown = sorted(set(names) - set(CONFIGS))
    if unknown:
        raise ValueError(f"unknown configurations {', '.join(unknown)}: use {', '.join(CONFIGS)}")
    if len(set(names)) != len(names):
        raise ValueError("--configs names a configuration twice")
    return names


def write_report(report: Mapping[str, Any], out: Path) -> None:
    """Write the JSON report."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


def compare(
    names: Iterable[str],
    *,
    prefix: str,
    stock_epochs: int,
    measure: Callable[[str, Path, Path, dict[str, Any]], None],
    targets: Callable[[dict[str, Any]], Mapping[str, bool | None]],
    errors: tuple[type[Exception], ...] = (StackError, OSError),
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Measure each configuration in turn, in a temporary folder; return results and machine.

    ``measure(name, model, folder, result)`` fills ``result``; one of ``errors`` is recorded as
    the configuration's ``error`` (what was measured before it is kept) and the next one runs.
    """
    configurations: dict[str, dict[str, Any]] = {}
    started = machine()
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        work = Path(tmp)
        for name in names:
            print(f"\n== {name}", flush=True)
            result: dict[str, Any] = {}
            configurations[name] = result
            try:
                model = prepare_models([name], work, stock_epochs)[name]
                result["model"] = model
                measure(name, Path(model["model"]), work / name, result)
            except errors as error:
                print(f"  {name} failed: {error}", flush=True)
                result["error"] = str(error)
            result["targets"] = targets(result)
    return configurations, started


def finish(
    benchmark: str,
    configurations: dict[str, dict[str, Any]],
    *,
    started: dict[str, Any],
    table: str,
    options: Mapping[str, Any],
    stock_epochs: int,
    targets: Mapping[str, Any],
    out: Path,
) -> int:
    """Print the table and each configuration's targets, write the JSON; the exit code."""
    print("\n" + table)
    for name, result in configurations.items():
        print(f"{name} targets: {result['targets']}")
    report = {
        "benchmark": benchmark,
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"at_start": started, "at_end": machine()},
        "options": dict(options),
        "stock_epochs": stock_epochs,
        "targets": targets,
        "configurations": configurations,
    }
    write_report(report, out)
    print(f"\nwritten: {out}")
    return 0 if all("error" not in r for r in configurations.values()) else 1
