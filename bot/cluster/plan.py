"""What ``make run-cluster`` starts, and the HAProxy and supervisord files that start it.

Pure: a :class:`ClusterPlan` (ports, counts, paths) renders to the text of ``haproxy.cfg``
and ``supervisord.conf``; :mod:`bot.cluster.run` writes and starts them.

- The balancer (HAProxy) listens on ``port`` for everything public. REST, WeChat and the
  console go to any Rasa server (round robin); socket.io (``/webhooks/socketio/``) stays on
  one server: a cookie when the client sends it back, else a hash of the client's address.
  A request that could not reach a server, or whose server died before answering, is sent
  to another one (``retry-on``); a dead server is taken out within about two seconds.
- A second, loopback-only frontend balances the action servers for the Rasa servers.
- supervisord starts every server and restarts any that exits (a crash, ``kill -9``).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

SOCKETIO_PATH = "/webhooks/socketio/"
STICKY_COOKIE = "SHOUHOU_SRV"


@dataclass(frozen=True)
class ClusterPlan:
    """Ports, counts and paths of one cluster on this machine."""

    project: Path
    run_dir: Path
    python: Path
    model: Path
    endpoints: Path
    credentials: Path
    port: int = 8080
    bind: str = "0.0.0.0"
    rasa_servers: int = 2
    action_servers: int = 2
    rasa_base_port: int = 5005
    action_base_port: int = 5055
    action_balancer_port: int = 5054
    haproxy: Path = Path("/usr/sbin/haproxy")
    analytics: bool = True

    @property
    def rasa_ports(self) -> list[int]:
        """The Rasa servers' ports (loopback only)."""
        return [self.rasa_base_port + n for n in range(self.rasa_servers)]

    @property
    def action_ports(self) -> list[int]:
        """The action servers' ports (loopback only)."""
        return [self.action_base_port + n for n in range(self.action_servers)]

    @property
    def action_url(self) -> str:
        """Where the Rasa servers call their actions: the balancer's loopback frontend."""
        return f"http://127.0.0.1:{self.action_balancer_port}/webhook"

    @property
    def log_dir(self) -> Path:
        """One log file per program."""
        return self.run_dir / "logs"

    @property
    def haproxy_config(self) -> Path:
        """The balancer's configuration file."""
        return self.run_dir / "haproxy.cfg"

    @property
    def supervisor_config(self) -> Path:
        """The configuration file of supervisord."""
        return self.run_dir / "supervisord.conf"

    @property
    def supervisor_socket(self) -> Path:
        """The control socket of supervisord (``supervisorctl``), for the owner only."""
        return self.run_dir / "supervisor.sock"

    def ports(self) -> list[int]:
        """Every port the cluster listens on, public first."""
        return [self.port, self.action_balancer_port, *self.rasa_ports, *self.action_ports]


def check_plan(plan: ClusterPlan) -> list[str]:
    """What is wrong with ``plan`` (empty when it can start)."""
    problems = []
    if not 1 <= plan.rasa_servers <= 16:
        problems.append(f"Rasa servers must be 1 to 16, not {plan.rasa_servers}")
    if not 1 <= plan.action_servers <= 16:
        problems.append(f"action servers must be 1 to 16, not {plan.action_servers}")
    ports = plan.ports()
    bad = [p for p in ports if not 1 <= p <= 65535]
    if bad:
        problems.append(f"ports must be 1 to 65535: {bad}")
    taken = sorted({p for p in ports if ports.count(p) > 1})
    if taken:
        problems.append(f"ports used twice: {taken}")
    return problems


def haproxy_config(plan: ClusterPlan) -> str:
    """The text of ``haproxy.cfg``."""
    rasa = "\n".join(
        f"    server rasa{n + 1} 127.0.0.1:{port} check" for n, port in enumerate(plan.rasa_ports)
    )
    sticky = "\n".join(
        f"    server rasa{n + 1} 127.0.0.1:{port} check cookie r{n + 1}"
        for n, port in enumerate(plan.rasa_ports)
    )
    actions = "\n".join(
        f"    server actions{n + 1} 127.0.0.1:{port} check"
        for n, port in enumerate(plan.action_ports)
    )
    return f"""# Written by bot/cluster/run.py for this run; edits are lost at the next start.
global
    maxconn 4096
    log stdout format raw local0 notice

defaults
    mode http
    log global
    option httplog
    option dontlognull
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    timeout tunnel 1h
    timeout http-keep-alive 10s
    timeout check 2s
    default-server inter 1s fall 2 rise 2
    # A request that did not reach its server, or whose server died before answering, goes to
    # another server: its conversation's lock (Redis) keeps the two from overlapping, and a
    # ticket is created once per intake whatever is retried.
    retries 3
    option redispatch 1
    option http-buffer-request
    retry-on conn-failure empty-response response-timeout

frontend public
    bind {plan.bind}:{plan.port}
    option forwardfor
    use_backend rasa_sticky if {{ path_beg {SOCKETIO_PATH} }}
    default_backend rasa

backend rasa
    balance roundrobin
    option httpchk GET /
    http-check expect status 200
{rasa}

# socket.io keeps a client on one server: the cookie when it comes back, else the address.
backend rasa_sticky
    balance source
    hash-type consistent
    cookie {STICKY_COOKIE} insert indirect nocache httponly
    option httpchk GET /
    http-check expect status 200
{sticky}

frontend actions
    bind 127.0.0.1:{plan.action_balancer_port}
    default_backend actions

backend actions
    balance leastconn
    # An action call that reached its server is never sent twice: only refused connections
    # are retried on another server.
    retry-on conn-failure
    option httpchk GET /health
    http-check expect status 200
{actions}
"""


def _program(name: str, command: list[str], plan: ClusterPlan, extra: str = "") -> str:
    """One ``[program:...]`` section: restarted whenever it exits, stopped with its children."""
    return f"""
[program:{name}]
command={shlex.join(command)}
directory={plan.project}
autostart=true
autorestart=true
startsecs=3
startretries=1000
stopasgroup=true
killasgroup=true
redirect_stderr=true
stdout_logfile={plan.log_dir / (name + ".log")}
stdout_logfile_maxbytes=50MB
stdout_logfile_backups=3
{extra}"""


def supervisor_config(plan: ClusterPlan) -> str:
    """The text of ``supervisord.conf``: the servers, the balancer and the analytics consumer."""
    python = str(plan.python)
    sections = [
        f"""; Written by bot/cluster/run.py for this run; edits are lost at the next start.
[supervisord]
nodaemon=true
logfile=/dev/stdout
logfile_maxbytes=0
loglevel=info
pidfile={plan.run_dir / "supervisord.pid"}
childlogdir={plan.log_dir}

[unix_http_server]
file={plan.supervisor_socket}
chmod=0700

[supervisorctl]
serverurl=unix://{plan.supervisor_socket}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
"""
    ]
    for n, port in enumerate(plan.action_ports):
        command = [python, "-m", "bot.runtime.action_server", "--actions", "bot.actions"]
        command += ["--port", str(port)]
        sections.append(
            _program(f"actions-{n + 1}", command, plan, "stopsignal=TERM\nstopwaitsecs=20\n")
        )
    for n, port in enumerate(plan.rasa_ports):
        command = [python, "-m", "bot.serve", "run", "--model", str(plan.model)]
        command += ["--endpoints", str(plan.endpoints), "--credentials", str(plan.credentials)]
        command += ["--interface", "127.0.0.1", "--port", str(port)]
        extra = 'stopsignal=INT\nstopwaitsecs=30\nenvironment=SANIC_WORKERS="1"\n'
        sections.append(_program(f"rasa-{n + 1}", command, plan, extra))
    haproxy = [str(plan.haproxy), "-db", "-f", str(plan.haproxy_config)]
    sections.append(_program("balancer", haproxy, plan, "stopsignal=USR1\nstopwaitsecs=10\n"))
    if plan.analytics:
        consume = [python, "-m", "bot.analytics.consume", "--endpoints", str(plan.endpoints)]
        sections.append(_program("analytics", consume, plan, "stopsignal=TERM\nstopwaitsecs=20\n"))
    return "".join(sections)
