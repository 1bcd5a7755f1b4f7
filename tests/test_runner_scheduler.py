"""``--scheduler``: a clear, bounded refusal for every address that is not a Dask scheduler."""

import socket
import threading
import time

import pytest

from labhelpers.__main__ import main
from labhelpers.tools.runner import check_scheduler


@pytest.fixture
def server():
    """A TCP server on a free port that greets every connection with ``greeting`` (b"": says
    nothing, as a web server waits for a request)."""
    sockets = []

    def start(greeting: bytes):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        sockets.append(listener)

        def serve():
            while True:
                try:
                    connection, _ = listener.accept()
                except OSError:
                    return
                sockets.append(connection)
                if greeting:
                    connection.sendall(greeting)

        threading.Thread(target=serve, daemon=True).start()
        return f"tcp://127.0.0.1:{listener.getsockname()[1]}"

    yield start
    for s in sockets:
        s.close()


@pytest.mark.parametrize(
    "address",
    [
        "not-an-address",
        "127.0.0.1:8786",
        "http://127.0.0.1:8786",
        "tcp://127.0.0.1",
        "tcp://127.0.0.1:port",
        "tcp://127.0.0.1:8786/status",
        "tcp://:8786",
    ],
)
def test_a_malformed_address_names_the_option_and_the_form(address):
    with pytest.raises(ValueError, match=r"--scheduler .*not an address.*tcp://HOST:PORT"):
        check_scheduler(address)


def test_a_silent_server_is_refused_within_the_bound(server):
    address = server(b"")
    started = time.monotonic()
    with pytest.raises(ValueError, match="sent no Dask greeting within 1 s .*dashboard"):
        check_scheduler(address, seconds=1)
    assert time.monotonic() - started < 5


def test_another_protocol_is_refused_without_allocating(server):
    address = server(b"SSH-2.0-OpenSSH_9.2\r\n")
    with pytest.raises(ValueError, match="not a Dask scheduler"):
        check_scheduler(address, seconds=1)


def test_a_closed_port_is_refused(server):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(ValueError, match="could not connect"):
        check_scheduler(f"tcp://127.0.0.1:{port}", seconds=1)


def test_a_real_scheduler_passes():
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=0, processes=False, dashboard_address=":0", protocol="tcp", host="127.0.0.1"
    ) as cluster:
        check_scheduler(cluster.scheduler_address, seconds=5)


def test_the_command_refuses_before_any_work(server, capsys):
    address = server(b"")
    started = time.monotonic()
    assert main(["run", "--only", "01_sum_classifier", "--scheduler", address]) == 1
    assert time.monotonic() - started < 30
    assert "--scheduler" in capsys.readouterr().err
