"""Long-running commands: serve, worker, scheduler and the treasury simulator, each in the foreground."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal

from ereceipt.app.commands import EXIT_OK, _date, _services
from ereceipt.settings import Settings


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from ereceipt.app.listening import refuse_taken_port
    from ereceipt.app.server import serve
    from ereceipt.app.supervision import WorkerSupervisor, start_scheduler, stop_process

    host, port = args.host or settings.server.host, args.port or settings.server.port
    refuse_taken_port(host, port)  # before any child: a second server must not start a second worker
    services = _services(settings, outage_ok=True)
    services.signer()
    supervisor = None
    if settings.server.run_worker:  # one bank worker beside the server, never one per WSGI worker
        services.bank_certificates(), services.camt_schemas()
        supervisor = WorkerSupervisor(args.config)
        supervisor.start()
    scheduler = start_scheduler(settings)

    def stop_children() -> None:  # in the signal handler: every child stops while the workers do
        if scheduler is not None and scheduler.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(scheduler.pid, signal.SIGTERM)
        if supervisor is not None:
            supervisor.terminate()

    try:
        serve(
            settings,
            host=host,
            port=port,
            workers=args.workers,
            on_stop=stop_children,
            on_reload=supervisor.reload if supervisor is not None else None,
        )
    finally:
        if scheduler is not None:
            stop_process(scheduler, "scheduler", 30)
        if supervisor is not None:
            supervisor.stop()
    return EXIT_OK


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    import logging
    import threading

    from ereceipt.app.supervision import reload_bank_certificates, stop_when_orphaned

    services = _services(settings, outage_ok=True)
    notices = services.notice_dispatcher()  # payer e-mail and SMS
    consumer, relay = services.payment_consumer(), services.outbox_relay()
    # pika logs every channel step at INFO and each failed connection attempt with a traceback;
    # the consumer and the relay log every failure that reaches them in one line of their own.
    logging.getLogger("pika").setLevel(logging.CRITICAL)

    def stop(*_) -> None:
        consumer.stop()
        relay.stop()
        notices.stop()

    def reload(*_) -> None:  # off the signal handler: reading files must not hold up the consumer
        arguments = (settings, consumer.handle)
        threading.Thread(target=reload_bank_certificates, args=arguments, daemon=True).start()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    signal.signal(signal.SIGHUP, reload)
    if args.parent_pid:
        stop_when_orphaned(args.parent_pid, stop)
    relaying = threading.Thread(target=relay.run, name="ereceipt-outbox-relay")
    relaying.start()
    delivering = threading.Thread(target=notices.run, name="ereceipt-notices")
    delivering.start()
    try:
        consumer.run()
    finally:
        relay.stop()
        relaying.join()
        notices.stop()
        delivering.join()
    return EXIT_OK


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    """Run the scheduled jobs of [scheduler] in the foreground, or one job now (--run-now)."""
    from ereceipt.app import jobs

    services = _services(settings, outage_ok=True)
    if args.run_now:
        day = _date(args.date) if args.date else None
        print(f"{args.run_now}: {jobs.JOBS[args.run_now](services, day)}")
        return EXIT_OK
    jobs.run_forever(services, exit_with_parent=args.exit_with_parent)
    return EXIT_OK


def cmd_treasury_simulator(args: argparse.Namespace, settings: Settings) -> int:
    """A state treasury simulator on Treasury.wsdl for tests and demos (never for production)."""
    from ereceipt.app.wiring import ensure_keys
    from ereceipt.devtools.treasury_simulator import Switches, TreasurySimulator

    _services(settings, schema=False)  # the simulator keeps its own database
    ensure_keys(settings)
    switches = Switches(slow_seconds=args.slow, fail=args.fail, drop=set(args.drop), alter=set(args.alter))
    simulator = TreasurySimulator(settings, switches, port=args.port)
    print(f"treasury simulator on http://{simulator.host}:{simulator.port}/soap", flush=True)
    simulator.serve_forever()
    return EXIT_OK
