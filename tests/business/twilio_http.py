"""A Twilio SDK HttpClient that records every API request and answers from a script,
so tests see the exact calls the real SDK makes and how we handle Twilio's errors."""
from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, urlsplit

from twilio.http import HttpClient
from twilio.http.response import Response

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
FROM_NUMBER = "+13125550100"


def message_json(sid: str, to: str, body: str, status: str = "queued") -> dict:
    return {
        "sid": sid, "account_sid": ACCOUNT_SID, "to": to, "from": FROM_NUMBER, "body": body,
        "status": status, "direction": "outbound-api", "num_segments": "1",
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
    }


def error_json(status: int, code: int | None, message: str = "error") -> tuple[int, dict]:
    return status, {"code": code, "message": message, "status": status, "more_info": "https://www.twilio.com/docs"}


class RecordingHttpClient(HttpClient):
    """`script` items are (status, json) tuples or exceptions, used in order; when it runs
    out, a create answers 201 with a new message and a list answers with `sent` messages."""

    def __init__(self, script=None):
        super().__init__(logger=logging.getLogger("tests.twilio"), is_async=False)
        self.script = list(script or [])
        self.requests: list[dict] = []
        self.sent: list[dict] = []

    @property
    def creates(self) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST"]

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        self.requests.append({"method": method, "uri": uri, "params": dict(params or {}), "data": dict(data or {})})
        if self.script:
            item = self.script.pop(0)
            if isinstance(item, Exception):
                raise item
            status, payload = item
            return Response(status, json.dumps(payload))
        if method == "POST":
            sent = message_json(f"SM{len(self.sent) + 1:032d}", data["To"], data["Body"])
            self.sent.append(sent)
            return Response(201, json.dumps(sent))
        to = (params or {}).get("To") or parse_qs(urlsplit(uri).query).get("To", [None])[0]
        page = [m for m in self.sent if to is None or m["to"] == to]
        return Response(200, json.dumps({
            "messages": page, "page": 0, "page_size": 50, "first_page_uri": uri, "next_page_uri": None,
            "previous_page_uri": None, "uri": uri, "start": 0, "end": len(page),
        }))
