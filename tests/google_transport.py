"""A requests transport adapter that answers Google's OAuth endpoints locally and records
what was sent: google-auth and requests-oauthlib run unchanged on top of it."""
from __future__ import annotations

import json
from urllib.parse import parse_qs

import requests
from requests.adapters import BaseAdapter


class RecordingAdapter(BaseAdapter):
    def __init__(self, answers: list[tuple[int, dict]]):
        super().__init__()
        self.answers = list(answers)
        self.sent: list[requests.PreparedRequest] = []

    def form(self, index: int) -> dict[str, str]:
        body = self.sent[index].body or ""
        body = body.decode() if isinstance(body, bytes) else body
        return {k: v[0] for k, v in parse_qs(body).items()}

    def send(self, request, **kwargs):
        self.sent.append(request)
        status, payload = self.answers.pop(0)
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(payload).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


def session_with(adapter: RecordingAdapter) -> requests.Session:
    http = requests.Session()
    http.mount("https://", adapter)
    return http
