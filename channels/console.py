"""Talk to the running assistant from a terminal, as one of our front ends would: each line
is sent to Rasa's REST channel with signed metadata (the phone channel with a caller ID by
default, `--web` for an anonymous website visitor, `--owner` for the owner line).

    make chat                        # or: .venvs/app/bin/python -m channels.console --caller +13125550199
"""
from __future__ import annotations

import argparse
import os
import sys
import uuid

from channels.rasa_client import RasaClient, RasaUnavailable
from business.secret_key import load_secret_key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--caller", default="+13125550199", help="caller ID of a phone call (E.164)")
    who.add_argument("--web", action="store_true", help="an anonymous website visitor")
    who.add_argument("--owner", action="store_true", help="the owner's line")
    parser.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://127.0.0.1:5005"))
    args = parser.parse_args(argv)
    if args.owner:
        metadata, sender = {"channel": "owner"}, f"owner-console-{uuid.uuid4().hex[:8]}"
    elif args.web:
        metadata, sender = {"channel": "web"}, f"console-{uuid.uuid4().hex[:12]}"
    else:
        metadata, sender = {"channel": "phone", "caller": args.caller}, f"CAconsole{uuid.uuid4().hex}"
    rasa = RasaClient(args.rasa_url, secret_key=load_secret_key())
    print(f"Talking to {args.rasa_url} as {metadata['channel']} ({sender}); Ctrl-D ends.", file=sys.stderr)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            replies = rasa.send(sender, line.strip(), metadata).texts
        except RasaUnavailable as exc:
            print(f"[the assistant did not answer: {exc}]", file=sys.stderr)
            continue
        for reply in replies:
            print(f"assistant: {reply}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
