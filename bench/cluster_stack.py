"""``make run-cluster`` (``python -m bot.cluster run``) started for a benchmark or a test.

Each :class:`ClusterStack` gets its own ports, its own PostgreSQL database, RabbitMQ queue
and VAR_DIR on this machine's services, and removes the database and the queue when it
stops. It can kill one of its servers (``kill -9``) and tell when supervisord brought it back.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.stack import (  # noqa: E402
    PROBE_TEXT,
    REST_PATH,
    ProcessInfo,
    StackError,
    memory_summary,
    running,
    stack_processes,
    stop_group,
    tickets,
)
from bot.cluster.profile import amqp_url, database_url, profile_environment  # noqa: E402
from bot.cluster.run import port_free, postgres_admin  # noqa: E402


def free_port_block(count: int, rng: random.Random | None = None) -> int:
    """The first of ``count`` consecutive TCP ports free on 127.0.0.1 right now."""
    rng = rng or random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 60000 - count)
        if all(port_free("127.0.0.1", base + n) for n in range(count)):
            return base
    raise StackError(f"no {count} consecutive free ports")


def drop_run_services(env: Mapping[str, str]) -> None:
    """Drop a run's database (``PGDATABASE``) and queue (``RABBITMQ_QUEUE`` and dead letters)."""
    from psycopg2 import sql

    database, queue = env["PGDATABASE"], env["RABBITMQ_QUEUE"]
    with postgres_admin(env) as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (database,),
        )
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(database)))

    async def delete_queues() -> None:
        import aio_pika

        connection = await aio_pika.connect(amqp_url(env))
        try:
            channel = await connection.channel()
            await channel.queue_delete(queue)
            await channel.queue_delete(f"{queue}.rejected")  # the consumer's dead letters
        finally:
            await connection.close()

    asyncio.run(delete_queues())


class ClusterStack:
    """Rasa and action servers behind HAProxy, in the production profile, for one run."""

    def __init__(
        self,
        model: Path,
        work: Path,
        *,
        rasa_servers: int = 2,
        action_servers: int = 2,
        analytics: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.model = model
        self.work = work
        self.rasa_servers = rasa_servers
        self.action_servers = action_servers
        self.analytics = analytics
        self.extra_env = dict(env or {})
        tag = uuid.uuid4().hex[:10]
        self.database = f"shouhou_run_{tag}"
        self.queue = f"shouhou_events_{tag}"
        base = free_port_block(2 + rasa_servers + action_servers)
        self.port, self.action_balancer_port = base, base + 1
        self.rasa_ports = [base + 2 + n for n in range(rasa_servers)]
        self.action_ports = [base + 2 + rasa_servers + n for n in range(action_servers)]
        self.var_dir = work / "var"
        self.log = work / "cluster.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.env = profile_environment(self._base_env())

    def _base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WECHAT_")}
        for name in ("DATABASE_URL", "SOCKETIO_REDIS_URL", "ENDPOINTS"):
            env.pop(name, None)
        env.update(
            PGDATABASE=self.database,
            RABBITMQ_QUEUE=self.queue,
            VAR_DIR=str(self.var_dir),
            MODEL=str(self.model),
        )
        env.update(self.extra_env)
        return env

    @property
    def ticket_url(self) -> str:
        """The run's PostgreSQL database (tickets and trackers)."""
        return database_url(self.env)

    @property
    def base(self) -> str:
        """The balancer's address."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The REST webhook through the balancer."""
        return f"{self.base}{REST_PATH}"

    def rasa_url(self, index: int) -> str:
        """The REST webhook of Rasa server ``index`` (0-based), not through the balancer."""
        return f"http://127.0.0.1:{self.rasa_ports[index]}{REST_PATH}"

    @property
    def supervisor_config(self) -> Path:
        """The file of supervisord, for ``supervisorctl -c``."""
        return self.var_dir / "cluster" / "supervisord.conf"

    def command(self) -> list[str]:
        """``python -m bot.cluster run`` with this run's ports."""
        command = [sys.executable, "-m", "bot.cluster", "run", "--port", str(self.port)]
        command += ["--rasa-servers", str(self.rasa_servers)]
        command += ["--action-servers", str(self.action_servers)]
        command += ["--rasa-base-port", str(self.rasa_ports[0])]
        command += ["--action-base-port", str(self.action_ports[0])]
        command += ["--action-balancer-port", str(self.action_balancer_port), "--bind", "127.0.0.1"]
        return command + ([] if self.analytics else ["--no-analytics"])

    def start(self, timeout: float = 600) -> float:
        """Start the cluster; seconds until every Rasa server answers a REST message.

        Raises:
            StackError: The launcher exited or a server did not answer within ``timeout``.
        """
        self.work.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=ROOT, env=self._base_env(), stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        for index in range(self.rasa_servers):
            self.wait_answering(self.rasa_url(index), started + timeout)
        self.wait_answering(self.url, started + timeout)
        return time.monotonic() - started

    def wait_answering(self, url: str, deadline: float) -> None:
        """Wait until ``url`` answers a REST message.

        Raises:
            StackError: The launcher exited, or nothing answered by ``deadline``.
        """
        import requests

        probe = {"sender": f"startup-probe-{uuid.uuid4().hex[:8]}", "message": PROBE_TEXT}
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise StackError(f"the cluster exited:\n{self.log_tail()}")
            try:
                answer = requests.post(url, json=probe, timeout=30)
                if answer.status_code == 200 and answer.json():
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.3)
        raise StackError(f"{url} did not answer in time:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        """The end of supervisord's output and of each program's log."""
        parts = []
        for path in [self.log, *sorted((self.var_dir / "cluster" / "logs").glob("*.log"))]:
            try:
                parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-chars:]}")
            except OSError:
                continue
        return "\n".join(parts)

    def supervisorctl(self, *args: str) -> str:
        """``supervisorctl`` on this cluster; its output."""
        ctl = str(Path(sys.executable).with_name("supervisorctl"))
        done = subprocess.run(
            [ctl, "-c", str(self.supervisor_config), *args],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        return done.stdout

    def pid(self, program: str) -> int:
        """The PID of ``program`` (``rasa-1`` ...), 0 when it is not running."""
        text = self.supervisorctl("pid", program).strip()
        return int(text) if text.isdigit() else 0

    def kill(self, program: str) -> int:
        """``kill -9`` ``program``; the PID killed."""
        pid = self.pid(program)
        if pid:
            os.kill(pid, signal.SIGKILL)
        return pid

    def wait_restarted(self, program: str, old_pid: int, index: int, timeout: float) -> float:
        """Seconds until ``program`` runs with a new PID and Rasa server ``index`` answers."""
        started = time.monotonic()
        while self.pid(program) in (0, old_pid):
            if time.monotonic() - started > timeout:
                raise StackError(f"{program} was not restarted:\n{self.log_tail()}")
            time.sleep(0.3)
        self.wait_answering(self.rasa_url(index), started + timeout)
        return time.monotonic() - started

    def processes(self) -> list[int]:
        """Every process of the cluster now (supervisord's programs leave its group)."""
        return [] if self.process is None else [i.pid for i in self.memory_processes()]

    def memory_processes(self) -> list[ProcessInfo]:
        """Every process of the cluster with its role and memory now."""
        if self.process is None:
            raise StackError("the cluster is not running")
        return stack_processes(self.process.pid)

    def cpu_groups(self) -> dict[int, str]:
        """PID → group for CPU accounting: rasa, actions, balancer, analytics, supervisor."""
        groups = {}
        for info in self.memory_processes():
            if info.role in ("rasa", "actions"):
                groups[info.pid] = info.role
            elif "haproxy" in info.command:
                groups[info.pid] = "balancer"
            elif "bot.analytics" in info.command:
                groups[info.pid] = "analytics"
            else:
                groups[info.pid] = "supervisor"
        return groups

    def memory(self) -> dict[str, Any]:
        """The memory of the Rasa processes and of the action servers now."""
        return memory_summary(self.memory_processes())

    def tickets(self, sender_prefix: str) -> dict[str, list[str]]:
        """Ticket numbers per REST sender id starting with ``sender_prefix``."""
        return tickets(self.ticket_url, sender_prefix)

    def storage(self, sender_prefix: str) -> dict[str, float]:
        """Tracker events stored for senders starting with ``sender_prefix``; database size."""
        from sqlalchemy import text

        from bot.channels.rest.body import rest_sender_id
        from bot.tickets import dispose_engines, session_scope

        pattern = rest_sender_id(sender_prefix).replace("_", "\\_") + "%"
        with session_scope(self.ticket_url) as session:
            events = session.execute(
                text("SELECT count(*) FROM events WHERE sender_id LIKE :p"), {"p": pattern}
            ).scalar_one()
            size = session.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        dispose_engines()
        return {"events": int(events), "database_mb": round(int(size) / 2**20, 1)}

    def stop(self) -> int | None:
        """Ctrl-C (then harder), wait for every program, drop the database and the queue."""
        process, self.process = self.process, None
        if process is None:
            return None
        pids = [info.pid for info in stack_processes(process.pid)] if running(process.pid) else []
        code = stop_group(process, also=pids)
        self.drop_services()
        return code

    def drop_services(self) -> None:
        """Remove the run's database and RabbitMQ queue."""
        from bot.tickets import dispose_engines

        dispose_engines()
        drop_run_services(self.env)

    def __enter__(self) -> ClusterStack:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
