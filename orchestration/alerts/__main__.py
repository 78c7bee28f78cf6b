"""`python -m orchestration.alerts requeue-unconfirmed [--channel email|webhook]`: resend
the alerts whose delivery outcome is unknown (outbox.py) on the next run, with the same
idempotency keys. Use it when the receiver drops duplicates, or when a person checked that
the alerts did not arrive."""

from __future__ import annotations

import argparse

from orchestration.alerts import outbox
from orchestration.config import settings
from orchestration.warehouse import connect_writer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.alerts")
    sub = parser.add_subparsers(dest="command", required=True)
    requeue = sub.add_parser("requeue-unconfirmed", help=__doc__.splitlines()[0])
    requeue.add_argument("--channel", choices=["email", "webhook"])
    args = parser.parse_args(argv)
    with connect_writer(settings().warehouse) as con:
        outbox.ensure(con)
        n = outbox.requeue_unconfirmed(con, args.channel)
    print(f"{n} unconfirmed deliveries will be sent again by the next run")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
