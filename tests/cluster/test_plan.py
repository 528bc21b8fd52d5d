"""bot/cluster/plan.py and profile.py: the files HAProxy and supervisord are given."""

from __future__ import annotations

import configparser
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.cluster import profile
from bot.cluster.plan import ClusterPlan, check_plan, haproxy_config, supervisor_config
from tests.channels.servers import missing

HAPROXY = Path("/usr/sbin/haproxy")


def plan(tmp_path: Path, **changes) -> ClusterPlan:
    values = {
        "project": tmp_path,
        "run_dir": tmp_path / "var" / "cluster",
        "python": Path("/venv/bin/python"),
        "model": tmp_path / "model.tar.gz",
        "endpoints": tmp_path / "endpoints.production.yml",
        "credentials": tmp_path / "credentials.yml",
        **changes,
    }
    return ClusterPlan(**values)


def test_a_plan_with_bad_counts_or_ports_is_refused(tmp_path):
    assert check_plan(plan(tmp_path)) == []
    assert "Rasa servers must be 1 to 16, not 0" in check_plan(plan(tmp_path, rasa_servers=0))
    assert check_plan(plan(tmp_path, action_servers=17))
    assert check_plan(plan(tmp_path, port=70000))
    clash = check_plan(plan(tmp_path, port=5006))  # the second Rasa server's port
    assert clash == ["ports used twice: [5006]"]


def test_haproxy_accepts_the_file_it_is_given(tmp_path):
    if not HAPROXY.exists():
        missing("HAProxy is missing: apt-get install haproxy (make test does)")
    config = tmp_path / "haproxy.cfg"
    config.write_text(haproxy_config(plan(tmp_path, rasa_servers=3)), encoding="utf-8")
    checked = subprocess.run(
        [str(HAPROXY), "-c", "-f", str(config)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def section(text: str, header: str) -> str:
    """The lines of one section of haproxy.cfg, up to the blank line that ends it."""
    lines = text.splitlines()
    start = lines.index(header) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return "\n".join(lines[start:end]) + "\n"


def test_the_balancer_routes_socketio_sticky_and_the_rest_round_robin(tmp_path):
    text = haproxy_config(plan(tmp_path, port=8081))
    assert "bind 0.0.0.0:8081" in text
    assert "use_backend rasa_sticky if { path_beg /webhooks/socketio/ }" in text
    sticky = section(text, "backend rasa_sticky")
    assert "balance source" in sticky and "cookie SHOUHOU_SRV insert" in sticky
    assert "server rasa2 127.0.0.1:5006 check cookie r2" in sticky
    rest = section(text, "backend rasa")
    assert "balance roundrobin" in rest and "server rasa1 127.0.0.1:5005 check" in rest
    # action calls are retried only when they did not reach a server
    actions = section(text, "backend actions")
    assert "retry-on conn-failure\n" in actions and "bind 127.0.0.1:5054" in text


def test_supervisord_restarts_every_program_and_stops_it_with_its_children(tmp_path):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(supervisor_config(plan(tmp_path)))
    programs = [s.removeprefix("program:") for s in parser.sections() if s.startswith("program:")]
    assert programs == ["actions-1", "actions-2", "rasa-1", "rasa-2", "balancer", "analytics"]
    for name in programs:
        section = parser[f"program:{name}"]
        assert section["autorestart"] == "true"
        assert section["stopasgroup"] == section["killasgroup"] == "true"
    rasa = parser["program:rasa-2"]["command"]
    assert "--interface 127.0.0.1 --port 5006" in rasa and "-m bot.serve run" in rasa
    assert parser["program:rasa-2"]["environment"] == 'SANIC_WORKERS="1"'
    assert "--port 5056" in parser["program:actions-2"]["command"]
    without = configparser.ConfigParser(interpolation=None)
    without.read_string(supervisor_config(plan(tmp_path, analytics=False)))
    assert "program:analytics" not in without.sections()


def test_paths_with_spaces_are_quoted_for_supervisord(tmp_path):
    spaced = tmp_path / "my models"
    text = supervisor_config(plan(tmp_path, model=spaced / "m.tar.gz"))
    assert f"'{spaced / 'm.tar.gz'}'" in text


def test_the_profile_fills_in_this_machines_services_and_keeps_what_is_set():
    env = profile.profile_environment({"PGDATABASE": "other", "REDIS_PASSWORD": "p@ss"})
    assert env["PGDATABASE"] == "other" and env["PGHOST"] == "127.0.0.1"
    assert env["DATABASE_URL"] == "postgresql+psycopg2://postgres@127.0.0.1:5432/other"
    assert env["SOCKETIO_REDIS_URL"] == "redis://:p%40ss@127.0.0.1:6379/1"
    assert env["WECHAT_REDIS_URL"] == env["SOCKETIO_REDIS_URL"]
    kept = profile.profile_environment({"DATABASE_URL": "postgresql://db/x", "PGPASSWORD": "a b"})
    assert kept["DATABASE_URL"] == "postgresql://db/x"
    assert profile.database_url(kept).startswith("postgresql+psycopg2://postgres:a%20b@")


def test_every_variable_of_the_production_endpoints_has_a_default():
    text = profile.PRODUCTION_ENDPOINTS.read_text(encoding="utf-8")
    names = set(__import__("re").findall(r"\$\{([A-Z_]+)\}", text))
    assert names and names <= set(profile.DEFAULTS)
    # unquoted: Rasa expands ${VAR} only in plain YAML scalars
    assert '"${' not in text
    parsed = yaml.safe_load(text)
    assert parsed["lock_store"]["type"] == "bot.runtime.redis_lock_store.AtomicRedisLockStore"
    assert parsed["event_broker"]["type"] == "pika"
    assert parsed["tracker_store"]["dialect"] == "postgresql"


@pytest.mark.parametrize("value", ["", "x", "1.5"])
def test_a_bad_lock_database_number_is_refused(value):
    with pytest.raises(ValueError, match="REDIS_LOCK_DB"):
        profile.profile_environment({"REDIS_LOCK_DB": value})
