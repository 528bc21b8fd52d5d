"""``python -m bot.cluster``: several Rasa and action servers behind HAProxy on this machine.

``make run-cluster`` calls it. It fills in the production profile's environment
(:mod:`bot.cluster.profile`), checks that PostgreSQL, Redis and RabbitMQ answer and that the
ports are free, creates the database and brings its schema up to date, writes the balancer's
and supervisord's files (:mod:`bot.cluster.plan`) under ``VAR_DIR/cluster`` and becomes
supervisord, which starts everything, restarts what dies and stops it all on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.cluster.plan import ClusterPlan, check_plan, haproxy_config, supervisor_config
from bot.cluster.profile import endpoints_path, profile_environment
from bot.settings import PROJECT_ROOT

EXIT_UNUSABLE = 2
SINGLE_THREADED = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TF_INTRA_OP_PARALLELISM_THREADS",
    "TF_INTER_OP_PARALLELISM_THREADS",
)


def _int_env(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


def build_parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    """The command line; defaults come from the environment (``CLUSTER_PORT`` ...)."""
    parser = argparse.ArgumentParser(prog="python -m bot.cluster", description=__doc__)
    parser.add_argument("command", choices=["run", "config"], help="run, or only print files")
    parser.add_argument("--port", type=int, default=_int_env(env, "CLUSTER_PORT", 8080))
    parser.add_argument("--bind", default=env.get("CLUSTER_BIND", "0.0.0.0"))
    parser.add_argument(
        "--rasa-servers", type=int, default=_int_env(env, "CLUSTER_RASA_SERVERS", 2)
    )
    parser.add_argument(
        "--action-servers", type=int, default=_int_env(env, "CLUSTER_ACTION_SERVERS", 2)
    )
    parser.add_argument(
        "--rasa-base-port", type=int, default=_int_env(env, "CLUSTER_RASA_BASE_PORT", 5005)
    )
    parser.add_argument(
        "--action-base-port", type=int, default=_int_env(env, "CLUSTER_ACTION_BASE_PORT", 5055)
    )
    parser.add_argument(
        "--action-balancer-port",
        type=int,
        default=_int_env(env, "CLUSTER_ACTION_BALANCER_PORT", 5054),
    )
    parser.add_argument(
        "--model", type=Path, default=Path(env.get("MODEL", "bot/models/shouhou.tar.gz"))
    )
    parser.add_argument("--no-analytics", action="store_true", help="no analytics consumer")
    return parser


def make_plan(args: argparse.Namespace, env: Mapping[str, str]) -> ClusterPlan:
    """The plan for this run, paths made absolute."""
    run_dir = Path(env.get("VAR_DIR") or PROJECT_ROOT / "var").resolve() / "cluster"
    return ClusterPlan(
        project=PROJECT_ROOT,
        run_dir=run_dir,
        python=Path(sys.executable),
        model=args.model.resolve(),
        endpoints=endpoints_path(env).resolve(),
        credentials=Path(env.get("CREDENTIALS") or PROJECT_ROOT / "credentials.yml").resolve(),
        port=args.port,
        bind=args.bind,
        rasa_servers=args.rasa_servers,
        action_servers=args.action_servers,
        rasa_base_port=args.rasa_base_port,
        action_base_port=args.action_base_port,
        action_balancer_port=args.action_balancer_port,
        haproxy=Path(shutil.which("haproxy") or "/usr/sbin/haproxy"),
        analytics=not args.no_analytics,
    )


def cluster_environment(plan: ClusterPlan, env: Mapping[str, str]) -> dict[str, str]:
    """The environment every program of the cluster starts with."""
    result = profile_environment(env)
    result["ACTION_ENDPOINT_URL"] = plan.action_url
    result.setdefault("ACTION_SERVER_TOKEN", secrets.token_hex(32))
    result.setdefault("ACTION_HOST", "127.0.0.1")
    # The Rasa servers listen on loopback, so only the balancer reaches them: trust the one
    # X-Forwarded-For it adds (the console's sign-in throttle counts the owner's address).
    result.setdefault("PROXIES_COUNT", "1")
    # A dead server's conversation locks are free again after this long (Rasa's default: 60).
    result.setdefault("TICKET_LOCK_LIFETIME", "30")
    result.setdefault("SANIC_KEEP_ALIVE_TIMEOUT", "30")
    # One server per core, scaled by adding servers: numerical libraries get one thread each.
    # With their default (a thread per core, spinning while they wait), a Rasa server used
    # 79 ms of CPU per turn instead of 46 and one server took the whole machine
    # (bench/cluster_load.py, docs/operations.md).
    for name in SINGLE_THREADED:
        result.setdefault(name, "1")
    result.setdefault("WECHAT_ENCODING_AES_KEY", "")  # empty: plain mode
    result.update(
        RASA_TELEMETRY_ENABLED="false",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        VAR_DIR=str(plan.run_dir.parent),
    )
    return result


WECHAT_CREDENTIALS = PROJECT_ROOT / "credentials.wechat.yml"


def wechat_problem(env: Mapping[str, str]) -> str | None:
    """Why WeChat cannot join (``WECHAT_TOKEN`` set without its app id or secret), or None."""
    if not env.get("WECHAT_TOKEN"):
        return None
    missing = [n for n in ("WECHAT_APP_ID", "WECHAT_APP_SECRET") if not env.get(n)]
    if missing:
        return f"WECHAT_TOKEN is set, but {' '.join(missing)} not: WeChat needs all three"
    return None


def run_credentials(plan: ClusterPlan, env: Mapping[str, str]) -> Path:
    """The credentials file: with ``WECHAT_TOKEN`` set, ``credentials.wechat.yml`` appended."""
    if not env.get("WECHAT_TOKEN"):
        return plan.credentials
    combined = plan.run_dir / "credentials.run.yml"
    combined.write_text(
        plan.credentials.read_text(encoding="utf-8")
        + "\n"
        + WECHAT_CREDENTIALS.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    return combined


def port_free(host: str, port: int) -> bool:
    """Whether a server can listen on ``host:port`` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


def preflight(plan: ClusterPlan, env: Mapping[str, str]) -> list[str]:
    """What stops the cluster from starting: missing programs, busy ports, absent services."""
    problems = check_plan(plan)
    wechat = wechat_problem(env)
    if wechat:
        problems.append(wechat)
    if not plan.haproxy.exists():
        problems.append("HAProxy is not installed: apt-get install haproxy (make run-cluster does)")
    if not plan.model.exists():
        problems.append(f"no trained model at {plan.model}: make train")
    if not plan.endpoints.exists():
        problems.append(f"no endpoints file at {plan.endpoints}")
    busy = [p for p in plan.ports()[1:] if not port_free("127.0.0.1", p)]
    if not port_free(plan.bind, plan.port):
        busy.insert(0, plan.port)
    if busy:
        problems.append(f"ports already in use: {busy} (CLUSTER_PORT and the CLUSTER_*_PORT)")
    services = {
        "PostgreSQL": (env["PGHOST"], env["PGPORT"]),
        "Redis": (env["REDIS_HOST"], env["REDIS_PORT"]),
        "RabbitMQ": (env["RABBITMQ_HOST"], env["RABBITMQ_PORT"]),
    }
    for name, (host, port) in services.items():
        if not port.isdigit():
            problems.append(f"{name}'s port must be a number, not {port!r}")
        elif not _reachable(host, int(port)):
            problems.append(f"{name} does not answer on {host}:{port}")
    return problems


@contextmanager
def postgres_admin(env: Mapping[str, str]) -> Iterator[Any]:
    """A cursor on the profile's PostgreSQL server (database ``postgres``), autocommitting."""
    import psycopg2

    connection = psycopg2.connect(
        host=env["PGHOST"],
        port=env["PGPORT"],
        user=env["PGUSER"],
        password=env["PGPASSWORD"] or None,
        dbname="postgres",
        connect_timeout=5,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def ensure_database(env: Mapping[str, str]) -> None:
    """Create the profile's PostgreSQL database (``PGDATABASE``) if it does not exist."""
    from psycopg2 import sql

    with postgres_admin(env) as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (env["PGDATABASE"],))
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(env["PGDATABASE"])))


def write_files(plan: ClusterPlan) -> None:
    """The balancer's and supervisord's files, in a directory only this user can read."""
    plan.log_dir.mkdir(parents=True, exist_ok=True)
    plan.run_dir.chmod(0o700)
    plan.haproxy_config.write_text(haproxy_config(plan), encoding="utf-8")
    plan.supervisor_config.write_text(supervisor_config(plan), encoding="utf-8")


def banner(plan: ClusterPlan) -> str:
    """What the operator is told at start."""
    public = f"http://localhost:{plan.port}"
    return "\n".join(
        [
            f"cluster: {plan.rasa_servers} Rasa server(s) on {plan.rasa_ports}, "
            f"{plan.action_servers} action server(s) on {plan.action_ports}, behind HAProxy",
            f"REST:          {public}/webhooks/rest/webhook",
            f"web widget:    {public}/webhooks/socketio/demo",
            f"agent console: {public}/webhooks/console/",
            f"WeChat:        {public}/webhooks/wechat/webhook (when WECHAT_TOKEN is set)",
            f"logs:          {plan.log_dir}/ (supervisorctl -c {plan.supervisor_config} status)",
            "Ctrl-C stops everything.",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Check, prepare and start the cluster (``run``), or print its files (``config``)."""
    args = build_parser(os.environ).parse_args(argv)
    plan = make_plan(args, os.environ)
    try:
        env = cluster_environment(plan, os.environ)
    except ValueError as error:
        print(f"cannot start the cluster: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    if args.command == "config":
        print(haproxy_config(plan))
        print(supervisor_config(plan))
        return 0
    problems = preflight(plan, env)
    if problems:
        for problem in problems:
            print(f"cannot start the cluster: {problem}", file=sys.stderr)
        return EXIT_UNUSABLE
    ensure_database(env)
    migrate = [sys.executable, "-m", "bot.tickets.cli", "migrate"]
    if subprocess.run(migrate, env=env, cwd=PROJECT_ROOT, check=False).returncode != 0:
        print("cannot start the cluster: the ticket database migration failed", file=sys.stderr)
        return EXIT_UNUSABLE
    plan.run_dir.mkdir(parents=True, exist_ok=True)
    plan = replace(plan, credentials=run_credentials(plan, env))
    write_files(plan)
    print(banner(plan), flush=True)
    supervisord = str(Path(sys.executable).with_name("supervisord"))
    os.execve(supervisord, [supervisord, "-n", "-c", str(plan.supervisor_config)], env)
    return 0  # not reached: execve replaces this process
