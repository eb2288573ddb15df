"""A database server that vanishes from the network while a query is on its way (a pulled
cable, a security group change, a failed-over host that keeps the old address): no RST, no
answer, the packets simply go nowhere. The TCP keepalives do not help then (they only probe an
idle connection); the kernel would retransmit for about 15 minutes. The app's connection
parameters carry `tcp_user_timeout` (DB_TCP_USER_TIMEOUT, 30 s), which makes the kernel give
up on unacknowledged data: the worker gets an error and moves on.

A real network that drops packets: the client runs in its own network namespace, joined to the
host by a veth pair, and the test takes the link down under it. Needs root (CAP_NET_ADMIN and
CAP_SYS_ADMIN) and iproute2; skipped with the reason otherwise."""

import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest

from .tcp_proxy import TcpProxy

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SHORTENED_MS = 3000  # the test's tcp_user_timeout; the app's default is 30 s
PATIENCE = 12  # seconds the client waits on its own before calling it a hang

CLIENT = """
import json, subprocess, sys, time
import psycopg
parameters, link = json.loads(sys.argv[1]), sys.argv[2]
session = psycopg.connect(**parameters, autocommit=True)
session.execute("SELECT 1")
subprocess.run(["ip", "link", "set", link, "down"], check=True)
started = time.monotonic()
try:
    session.execute("SELECT 2")
    outcome = "answered"
except psycopg.OperationalError as error:
    outcome = "error: " + str(error).splitlines()[0]
print(json.dumps({"outcome": outcome, "seconds": round(time.monotonic() - started, 1)}))
"""


IP = shutil.which("ip") or "/usr/sbin/ip"


def _ip(*args: str, namespace: str | None = None, check: bool = True) -> None:
    prefix = [IP, "netns", "exec", namespace] if namespace else []
    subprocess.run(  # noqa: S603 — iproute2 with arguments built here
        [*prefix, IP, *args], check=check, capture_output=True, timeout=10
    )


@pytest.fixture
def namespace():
    """A network namespace joined to the host by a veth pair: host 10.A.B.1, namespace
    10.A.B.2. Yields (namespace name, host address, namespace-side link name)."""
    if os.geteuid() != 0 or not shutil.which("ip"):
        pytest.skip("needs root and iproute2 to build a network namespace")
    tag = uuid.uuid4().hex[:6]
    name, host_link, inner_link = f"citas{tag}", f"vh{tag}", f"vn{tag}"
    number = int(tag, 16)
    subnet = f"{200 + number % 50}.{number // 50 % 256}"  # two tests at once: other subnets
    try:
        _ip("netns", "add", name)
    except subprocess.CalledProcessError as error:
        pytest.skip(f"cannot create a network namespace here: {error.stderr.decode().strip()}")
    try:
        _ip("link", "add", host_link, "type", "veth", "peer", "name", inner_link)
        _ip("link", "set", inner_link, "netns", name)
        _ip("addr", "add", f"10.{subnet}.1/30", "dev", host_link)
        _ip("link", "set", host_link, "up")
        _ip("addr", "add", f"10.{subnet}.2/30", "dev", inner_link, namespace=name)
        _ip("link", "set", inner_link, "up", namespace=name)
        _ip("link", "set", "lo", "up", namespace=name)
        yield name, f"10.{subnet}.1", inner_link
    finally:
        _ip("netns", "del", name, check=False)
        _ip("link", "del", host_link, check=False)


def _query_through_a_dead_link(namespace, **overrides) -> dict:
    """Connects as the app does (through a proxy on the host side of the veth pair), takes
    the link down, runs a query; returns what happened and how long it took."""
    from django.db import connection

    name, host, link = namespace
    parameters = {
        key: value
        for key, value in connection.get_connection_params().items()
        if isinstance(value, str | int)
    }
    with TcpProxy(
        parameters.get("host") or "127.0.0.1", int(parameters.get("port") or 5432), host
    ) as proxy:
        client = {**parameters, "host": host, "port": proxy.port, **overrides}
        try:
            done = subprocess.run(  # noqa: S603 — our own interpreter and script
                [IP, "netns", "exec", name, sys.executable, "-c", CLIENT]
                + [json.dumps(client), link],
                capture_output=True,
                text=True,
                timeout=PATIENCE,
            )
        except subprocess.TimeoutExpired:
            return {"outcome": "hung", "seconds": PATIENCE}
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_app_connection_parameters_bound_a_query_to_a_vanished_server(namespace):
    from django.db import connection

    assert connection.get_connection_params()["tcp_user_timeout"] == 30_000

    result = _query_through_a_dead_link(namespace, tcp_user_timeout=SHORTENED_MS)

    assert result["outcome"].startswith("error"), result
    assert 2 <= result["seconds"] < PATIENCE - 2, result


def test_without_the_user_timeout_the_same_query_hangs(namespace):
    """The control: the same client without `tcp_user_timeout` is still waiting long after
    the shortened limit, so it is that parameter that ends the wait above."""
    result = _query_through_a_dead_link(namespace, tcp_user_timeout=0)

    assert result == {"outcome": "hung", "seconds": PATIENCE}
