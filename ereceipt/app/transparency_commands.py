"""The transparency log's commands: `ereceipt audit` (the offline auditor), `ereceipt transparency
export` (a static copy of the log, C2SP tlog-tiles, for any file server or CDN) and `ereceipt
transparency integrate` (append what is committed now, as the scheduled job does).

``audit`` exits 0 when the log is consistent, 1 when it found an inconsistency (the first one
and its evidence printed; two conflicting signed checkpoints written beside the state file) or a
receipt given with ``--receipts`` (a directory of signed XML, or fetched from the lookup service
by ``--codes``) that is not in it, not served, or whose signature fails, 2 when the log or the
receipts could not be read. ``--since CHECKPOINT`` is the monitor's mode: only what follows that signed
checkpoint is read.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import urllib.error
import urllib.request
from base64 import b64decode, b64encode
from pathlib import Path

EXIT_CONSISTENT, EXIT_INCONSISTENT, EXIT_UNREADABLE = 0, 1, 2


def add_transparency_commands(commands) -> None:
    audit = commands.add_parser(
        "audit", help="check a transparency log offline (checkpoint, root, numbering)"
    )
    audit.add_argument("source", metavar="URL_OR_DIR", help="the log's base URL (…/log) or a directory copy")
    audit.add_argument("--vkey", required=True, help="the log's verifier key file (.vkey, C2SP signed-note)")
    audit.add_argument(
        "--state", help="where the last accepted checkpoint is kept (default: ~/.cache/ereceipt)"
    )
    audit.add_argument("--totals", action="store_true", help="print amounts per agency and day")
    audit.add_argument(
        "--since",
        metavar="CHECKPOINT",
        help="monitor mode: a signed checkpoint file checked before; read only the entries after it",
    )
    audit.add_argument(
        "--receipts",
        metavar="DIR_OR_URL",
        help="receipts to find in the log and verify (site trust anchors): a directory of signed "
        "receipt XML (*.xml), or the site's lookup service (its base URL) with --codes",
    )
    audit.add_argument(
        "--codes",
        metavar="FILE",
        help="with --receipts URL: a file of lookup codes, one a line; each receipt's signed XML is "
        "fetched from URL/tra-cuu/CODE.xml",
    )
    audit.set_defaults(handler=cmd_audit)
    log = commands.add_parser("transparency", help="the public transparency log").add_subparsers(
        dest="transparency_command", required=True
    )
    export = log.add_parser("export", help="write the log as static files (checkpoint, tiles, entries)")
    export.add_argument("directory")
    export.set_defaults(handler=cmd_export)
    integrate = log.add_parser(
        "integrate", help="append the committed receipt events now and sign a checkpoint"
    )
    integrate.set_defaults(handler=cmd_integrate)
    witness = commands.add_parser(
        "witness", help="run a minimal transparency-log witness (C2SP tlog-witness) for tests and demos"
    )
    witness.add_argument("--host", default="127.0.0.1")
    witness.add_argument("--port", type=int, default=8091)
    witness.add_argument(
        "--key", help="its Ed25519 key, made when missing (default: witness.key.pem beside the keys)"
    )
    witness.add_argument("--name", help="its name (default: localhost/ereceipt/DEVELOPMENT-witness)")
    witness.add_argument(
        "--log-vkey",
        action="append",
        help="the verifier key of a log it cosigns (repeatable; default: this site's log)",
    )
    witness.add_argument("--state", help="where it keeps what it cosigned (default: var/witness-state.json)")
    witness.set_defaults(handler=cmd_witness)


def _fetcher(source: str):
    if source.startswith(("http://", "https://")):
        base = source.rstrip("/") + "/"

        def fetch(path: str) -> bytes:
            try:
                with urllib.request.urlopen(base + path, timeout=30) as answer:  # noqa: S310 (http(s) only)
                    return answer.read()
            except urllib.error.URLError as exc:
                raise OSError(f"{base + path}: {exc}") from exc

        return fetch
    root = Path(source)
    return lambda path: (root / path).read_bytes()


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty() and total:
        filled = 40 * done // total
        print(f"\r[{'#' * filled}{'.' * (40 - filled)}] {done}/{total} entries", end="", file=sys.stderr)
        if done == total:
            print(file=sys.stderr)


def _since(path: str, verifier):
    """The --since checkpoint: a signed note the log's key must have signed."""
    from ereceipt.core.transparency.auditor import Seen
    from ereceipt.core.transparency.checkpoint import open_checkpoint

    note = Path(path).read_bytes()
    checkpoint = open_checkpoint(note, verifier).checkpoint
    return Seen(checkpoint.size, checkpoint.root, note)


def _given_receipts(source: str, codes: str | None) -> list:
    """The receipts of ``--receipts``: files of a directory, or fetched from a lookup service."""
    from ereceipt.core.transparency.receipt_audit import given_receipt, unavailable_receipt

    if source.startswith(("http://", "https://")):
        from ereceipt.app.lookup_receipts import fetch_receipts, read_codes

        if not codes:
            raise OSError("--receipts URL needs --codes FILE (the lookup codes to fetch)")
        missing = "NOT served by the lookup service (404: no receipt with this code)"
        return [
            given_receipt(code, data) if data is not None else unavailable_receipt(code, missing)
            for code, data in fetch_receipts(source, read_codes(codes))
        ]
    if codes:
        raise OSError("--codes goes with --receipts URL (a lookup service), not a directory")
    directory = source
    files = sorted(Path(directory).glob("*.xml"))
    if not files:
        raise OSError(f"{directory} holds no *.xml receipt")
    return [given_receipt(file.name, file.read_bytes()) for file in files]


def cmd_audit(args: argparse.Namespace, settings) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from ereceipt.core.transparency.auditor import Seen, Unreadable, audit
    from ereceipt.core.transparency.receipt_audit import receipt_checks, start_signature_checks
    from ereceipt.core.transparency.signed_note import NoteError, Verifier

    try:
        verifier = Verifier.parse(Path(args.vkey).read_text())
    except (OSError, NoteError) as exc:
        print(f"ereceipt audit: verifier key {args.vkey}: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        since = _since(args.since, verifier) if args.since else None
        given = _given_receipts(args.receipts, args.codes) if args.receipts else []
        if args.codes and not args.receipts:
            raise OSError("--codes needs --receipts URL (the lookup service to fetch them from)")
    except (OSError, NoteError) as exc:
        print(f"ereceipt audit: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    digest = hashlib.sha256(verifier.vkey.encode()).hexdigest()[:16]
    state = Path(args.state) if args.state else Path.home() / ".cache" / "ereceipt" / f"audit-{digest}.json"
    seen = None
    if state.exists():
        kept = json.loads(state.read_text())
        seen = Seen(kept["size"], b64decode(kept["root"]), kept["note"].encode())
    wanted = frozenset(r.identity for r in given if r.identity)
    # The signatures are checked on worker threads while this one reads the log.
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as pool:
        signatures = {}
        if given:
            from ereceipt.app.wiring import Services

            signatures = start_signature_checks(given, Services(settings).verify_receipt, pool)
        try:
            report = audit(_fetcher(args.source), verifier, seen, _progress, since=since, wanted=wanted)
        except (Unreadable, OSError) as exc:
            for future in signatures.values():
                future.cancel()
            print(f"ereceipt audit: could not read the log: {exc}", file=sys.stderr)
            return EXIT_UNREADABLE
        checks = receipt_checks(given, signatures, report.found)
    for line in report.lines:
        print(line)
    if args.totals:
        print("agency\tday\treceipts\tissued\tcancelled\tnet (đồng)")
        for (agency, day), totals in sorted(report.totals.items()):
            print(f"{agency}\t{day}\t{totals.receipts}\t{totals.issued}\t{totals.cancelled}\t{totals.net}")
    if checks:
        failed = [check for check in checks if not check.passed]
        print(f"receipts ({len(checks)}, checked apart from the log):")
        for check in checks:
            print(check.line())
        print(f"RECEIPTS: {len(checks) - len(failed)} of {len(checks)} in the log with a valid signature")
    if not report.consistent:
        print(f"INCONSISTENT: {report.failure}")
        for number, note in enumerate(report.evidence, 1):
            evidence = state.with_name(f"{state.stem}-evidence-{number}.checkpoint")
            evidence.parent.mkdir(parents=True, exist_ok=True)
            evidence.write_bytes(note)
            print(f"evidence: signed checkpoint written to {evidence}")
        return EXIT_INCONSISTENT
    checkpoint = report.checkpoint
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(
        json.dumps(
            {
                "size": checkpoint.size,
                "root": b64encode(checkpoint.root).decode(),
                "note": report.note.decode(),
            }
        )
    )
    print(f"CONSISTENT: {checkpoint.size} entries, root {b64encode(checkpoint.root).decode()}")
    if any(not check.passed for check in checks):
        return EXIT_INCONSISTENT
    return EXIT_CONSISTENT


def export_log(database, root: Path, vkey: str | None) -> tuple[int, int]:
    """Write the latest tree as tlog-tiles files under ``root``; returns (files written, tree size)."""
    from ereceipt.core.transparency.store import LogStore
    from ereceipt.core.transparency.tiles import HEIGHT, Tile, tile_width

    written = 0
    with database.read() as session:
        store = LogStore(session)
        latest = store.latest_checkpoint()
        size = latest.size if latest else 0
        for level in range(-1, 64):
            if level > 0 and size >> (HEIGHT * level) == 0:
                break
            index = 0
            while (width := tile_width(level, index, size)) > 0:
                path = root / Tile(level, index, width).path()
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(store.tile(Tile(level, index, width)))
                written, index = written + 1, index + 1
    root.mkdir(parents=True, exist_ok=True)
    if latest:
        (root / "checkpoint").write_bytes(latest.note)
    if vkey:
        (root / "vkey").write_text(vkey)
    return written, size


def cmd_export(args: argparse.Namespace, settings) -> int:
    from ereceipt.app.wiring import Services

    services = Services(settings)
    written, size = export_log(services.database, Path(args.directory), services.log_vkey())
    print(f"{written} tiles and entry bundles of {size} entries written to {args.directory}")
    return 0


def cmd_witness(args: argparse.Namespace, settings) -> int:
    from ereceipt.core.transparency.log_key import vkey_path
    from ereceipt.core.transparency.signed_note import NoteError, Verifier
    from ereceipt.devtools.witness import DEVELOPMENT_WITNESS, WitnessServer, witness_key, witness_vkey_path

    key = Path(args.key) if args.key else settings.keys.directory / "witness.key.pem"
    vkeys = args.log_vkey or [str(vkey_path(settings.transparency.log_key))]
    try:
        logs = {verifier.name: verifier for verifier in (Verifier.parse(Path(v).read_text()) for v in vkeys)}
        cosigner = witness_key(key, args.name or DEVELOPMENT_WITNESS)
    except (OSError, ValueError, NoteError) as exc:
        print(f"ereceipt witness: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    state = Path(args.state) if args.state else settings.keys.directory.parent / "witness-state.json"
    server = WitnessServer(cosigner, logs, state, host=args.host, port=args.port)
    print(
        f"witness {cosigner.name} on http://{args.host}:{args.port}/add-checkpoint "
        f"(verifier key {witness_vkey_path(key)}; logs {', '.join(logs)})",
        flush=True,
    )
    server.serve_forever()
    return 0


def cmd_integrate(args: argparse.Namespace, settings) -> int:
    from ereceipt.app.jobs import transparency_log
    from ereceipt.app.wiring import Services

    print(transparency_log(Services(settings)))
    return 0
