"""The admin page's commands: `ereceipt users add`, the first administrator at `init` (OWASP ASVS V2).

Passwords are typed at a prompt that does not echo, or read from standard input with
``--password-stdin`` for scripts; never taken from the command line, where ``ps`` would show them.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from ereceipt.core.errors import BadInput
from ereceipt.core.users.tables import ROLES


def after_init(services) -> tuple[str, str] | None:
    """Make the session secret and, when there is no user yet, the administrator ``admin``.

    Returns the new administrator's name and password, which ``init`` shows once, or None.
    """
    from ereceipt.core.users.accounts import ensure_first_administrator
    from ereceipt.web.admin import session_secret

    session_secret(services.settings.server.session_secret_file)
    return ensure_first_administrator(services.database)


def cmd_users_add(args: argparse.Namespace, settings) -> int:
    from ereceipt.app.wiring import Services, configure_logging
    from ereceipt.core.storage.schema_state import require_current_schema
    from ereceipt.core.users.accounts import add_user

    configure_logging(settings)
    services = Services(settings)
    require_current_schema(services.database)  # said before a password is asked for nothing
    password = _password_stdin() if args.password_stdin else _password_typed(args.name)
    with services.database.write() as session:
        add_user(session, args.name, args.role, args.agency, password, actor="ereceipt users add")
    print(f"user {args.name} added: {args.role}, {args.agency or 'national level (every agency)'}")
    return 0


def _password_stdin() -> str:
    line = sys.stdin.readline()
    if not line:
        raise BadInput("no password on standard input (--password-stdin reads one line)")
    return line.rstrip("\r\n")


def _password_typed(name: str) -> str:
    """The password typed twice at a prompt that does not echo; only at a terminal."""
    if not sys.stdin.isatty():
        raise BadInput("standard input is not a terminal: give --password-stdin to read the password from it")
    try:
        password = getpass.getpass(f"password for {name}: ")
        again = getpass.getpass("again: ")
    except EOFError:
        raise BadInput("no password typed") from None
    if again != password:
        raise BadInput("the two passwords differ")
    return password


def add_user_commands(commands) -> None:
    users = commands.add_parser("users", help="admin page users").add_subparsers(
        dest="users_command", required=True
    )
    add = users.add_parser("add", help="add a user of the admin page (password prompted)")
    add.add_argument("name", help="user name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--agency", help="issuer code of the user's agency; omit for the national level")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(handler=cmd_users_add)
