"""Whether ``ereceipt serve`` may listen on a TCP port, and who holds it if not (Linux ``/proc/net/tcp``).

granian's workers each bind the port with SO_REUSEPORT, which lets a second server share it
without a word: two servers would split the requests and run two bank workers. So before anything
starts, the port is bound once without SO_REUSEPORT (with SO_REUSEADDR, so that connections of a
server just stopped do not count), which fails while anything listens there. The holder is then
looked up among the processes whose sockets this user may see: a running ``ereceipt serve`` is
named by its main PID, another program by its name and PID, or not at all when it is hidden.
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path

from ereceipt.core.errors import Conflict

PROC = Path("/proc")
LISTEN = "0A"  # the TCP state in /proc/net/tcp


def refuse_taken_port(host: str, port: int) -> None:
    """Raise ``Conflict`` with one line naming the port (and its holder) unless ``host:port`` is free."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise Conflict(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
            probe.listen()
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise Conflict(f"cannot listen on {host}:{port}: {exc.strerror}") from None
            raise Conflict(f"port {port} is in use {holder(port)}") from None


def holder(port: int) -> str:
    """Who listens on ``port``, as the end of a sentence: "by ereceipt serve (PID 12)", "by nginx (PID 7)"."""
    pids = sorted(socket_owners(listening_inodes(port)))
    for pid in pids:
        main = serving_ancestor(pid)
        if main is not None:
            return (
                f"by another `ereceipt serve` (PID {main}): stop it first (kill -TERM {main}) "
                "or choose another [server] port"
            )
    if pids:
        return f"by another program ({_name(pids[0])}, PID {pids[0]}); choose another [server] port"
    return "by another program; choose another [server] port"


def listening_inodes(port: int) -> set[str]:
    """The inodes of the sockets listening on ``port`` (IPv4 and IPv6), from /proc/net/tcp{,6}."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def socket_owners(inodes: set[str]) -> set[int]:
    """The processes holding one of these sockets, among those whose descriptors we may read."""
    wanted = {f"socket:[{inode}]" for inode in inodes}
    owners = set()
    if not wanted:
        return owners
    for process in PROC.iterdir():
        if not process.name.isdigit():
            continue
        try:
            if any(_readlink(fd) in wanted for fd in (process / "fd").iterdir()):
                owners.add(int(process.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return owners


def serving_ancestor(pid: int) -> int | None:
    """The outermost ``ereceipt serve`` process among ``pid`` and its parents, or None if none is."""
    found = None
    while pid > 1:
        command = _command(pid)
        if "ereceipt" in " ".join(command) and "serve" in command:
            found = pid
        elif found is not None:
            break
        pid = _parent(pid)
    return found


def _readlink(path: Path) -> str:
    try:
        return str(path.readlink())
    except OSError:
        return ""


def _command(pid: int) -> list[str]:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _parent(pid: int) -> int:
    try:
        status = (PROC / str(pid) / "status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("PPid:"):
            return int(line.split()[1])
    return 0


def _name(pid: int) -> str:
    try:
        return (PROC / str(pid) / "comm").read_text().strip()
    except OSError:
        return "unknown"
