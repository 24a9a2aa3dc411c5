"""A second `ereceipt serve` on a port that is taken refuses in one line, naming the port and its holder.

granian's workers bind with SO_REUSEPORT, which would let a second server share the port (and run a
second bank worker) without a word.
"""

from __future__ import annotations

import socket
from pathlib import Path

from server_process import Server, ereceipt, free_port, http

from ereceipt.app.listening import listening_inodes

CONFIG = "[database]\nurl = sqlite:///var/e.sqlite3\n"


def test_a_second_serve_on_the_port_refuses_naming_the_running_servers_pid(tmp_path: Path) -> None:
    (tmp_path / "config.ini").write_text(CONFIG)
    assert ereceipt(tmp_path, "init").returncode == 0
    server = Server(tmp_path, CONFIG, workers=2)
    try:
        listeners = listening_inodes(server.port)
        second = ereceipt(tmp_path, "serve")  # the same config.ini: the same port
        assert second.returncode == 1
        lines = second.stderr.decode().splitlines()
        assert len(lines) == 1, second.stderr.decode()
        assert f"port {server.port} " in lines[0] and f"(PID {server.process.pid})" in lines[0], lines
        assert b"bank worker" not in second.stdout + second.stderr
        assert listening_inodes(server.port) == listeners  # nobody else listens there now
        assert http(server.base + "/healthz")[0] == 200
    finally:
        server.stop()


def test_a_port_held_by_another_program_with_so_reuseport_refuses_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "config.ini").write_text(CONFIG)
    port = free_port()
    with socket.socket() as other:
        # The very option granian's workers use: it must not let `ereceipt serve` share the port.
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", port))
        other.listen()
        result = ereceipt(tmp_path, "serve", "--port", str(port))
    assert result.returncode == 1
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1, result.stderr.decode()
    assert f"port {port} is in use by another program" in lines[0], lines
    assert "Traceback" not in result.stdout.decode()
