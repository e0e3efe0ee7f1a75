"""A bounded fuzz of every HTTP and WebSocket endpoint of ours on the running stack
(Rasa's REST and socket.io channels, the action server, Duckling, the dashboard's every
route, the voice bridge's webhook, media stream and talk socket): malformed, huge,
non-UTF-8, NUL and forged input gets a 4xx, never a 5xx; no process exits or restarts;
no stored row changes. The request count is printed for the report."""
from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import quote

import pytest
import requests
import socketio
import websocket
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import inspect, text

from business.db import make_engine

pytestmark = pytest.mark.e2e
EXAMPLES = 60
COUNT = {"requests": 0}

junk_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=()), max_size=300) | st.sampled_from(
    ["\x00", "\ud800", "a" * 70_000, "", " ", "../../etc/passwd", "<script>", "%00", "1e309", "-1", "9" * 40])
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | junk_text,
                           lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(junk_text, children, max_size=4), max_leaves=12)
bodies = st.one_of(st.binary(max_size=2000), json_values.map(lambda v: json.dumps(v).encode()),
                   st.dictionaries(st.sampled_from(["sender", "message", "metadata", "next_action", "tracker",
                                                    "text", "CallSid", "From", "Body", "MessageSid", "username",
                                                    "password", "csrf_token", "dims", "tz", "locale", "reftime"]),
                                   json_values, max_size=6).map(lambda d: json.dumps(d).encode()))
content_types = st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain",
                                 "multipart/form-data; boundary=x", "application/octet-stream", ""])
forged = st.sampled_from(["", "x", "A" * 500, "\u00e9\u00e9", "Bearer nope", "1." + "0" * 64])


# The business's records. The outbox and transcripts are left out: the worker moves them
# along by itself while the fuzz runs.
RECORDS = {"customers", "appointments", "appointment_events", "leads", "users", "technicians", "services",
           "business_settings", "sms_opt_outs", "calendar_blocks", "calendar_accounts"}


# Columns the worker's calendar sync fills in by itself for a booking an earlier test made.
WORKER_COLUMNS = {"appointments": {"calendar_event_id", "calendar_state", "updated_at"}}


def snapshot(database_url: str) -> dict[str, str]:
    """A digest of every business record, per table (so a failure names the table)."""
    engine = make_engine(database_url, read_only=True)  # never waits for SQLite's write lock
    digests = {}
    with engine.connect() as conn:
        for table in sorted(set(inspect(engine).get_table_names()) & RECORDS):
            columns = [c["name"] for c in inspect(engine).get_columns(table)
                       if c["name"] not in WORKER_COLUMNS.get(table, set())]
            digest = hashlib.sha256()
            listed = ", ".join(f'"{c}"' for c in columns)
            for row in conn.execute(text(f'SELECT {listed} FROM "{table}" ORDER BY 1')):
                digest.update(repr(tuple(row)).encode())
            digests[table] = digest.hexdigest()
    return digests


def pids(stack) -> str:
    return re.sub(r"uptime \S+", "", stack.supervisorctl("status"))


def dashboard_routes() -> list[tuple[str, str]]:
    from dashboard import create_app
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "fuzz-route-listing"})
    routes = []
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, path))
    return routes


def http_targets(stack) -> list[tuple[str, str]]:
    dashboard = f"http://127.0.0.1:{stack.dashboard_port}"
    targets = [("POST", f"{stack.rasa_url}/webhooks/rest/webhook"), ("GET", f"{stack.rasa_url}/"),
               ("POST", f"{stack.actions_url}/webhook"), ("GET", f"{stack.actions_url}/actions"),
               ("POST", f"{stack.duckling_url}/parse"),
               ("POST", f"{stack.voice_url}/twilio/voice"), ("GET", f"{stack.voice_url}/health")]
    targets += [(method, dashboard + path) for method, path in dashboard_routes()]
    return targets


@pytest.fixture(scope="module")
def baseline(stack, request):
    before = (snapshot(stack.database_url), pids(stack))
    yield before
    assert pids(stack) == before[1], "a service exited or restarted during the fuzz"
    after = snapshot(stack.database_url)
    changed = sorted(table for table in before[0] if after.get(table) != before[0][table])
    assert not changed, f"the fuzz changed stored rows in {changed}"
    # Through pytest's own terminal writer, past the output capture, so the count reaches the CI log.
    request.config.pluginmanager.get_plugin("terminalreporter").write_line(
        f"fuzz: {COUNT['requests']} requests and frames, no 5xx, no exit, no row changed")


def test_http_endpoints(stack, baseline):
    targets = http_targets(stack)

    @settings(max_examples=EXAMPLES * 4, deadline=None, suppress_health_check=list(HealthCheck))
    @given(target=st.sampled_from(targets), body=bodies, content_type=content_types, signature=forged,
           query=st.dictionaries(st.sampled_from(["q", "page", "token", "stream", "from", "to"]), junk_text, max_size=2))
    def probe(target, body, content_type, signature, query):
        method, url = target
        headers = {"Content-Type": content_type, "X-Twilio-Signature": signature, "Authorization": signature,
                   "Origin": "https://evil.example"}
        # Percent-encoded by hand: a lone surrogate goes out as the invalid UTF-8 it would be.
        encoded = "&".join(f"{key}={quote(value.encode('utf-8', 'surrogatepass'))}" for key, value in query.items())
        try:
            reply = requests.request(method, f"{url}?{encoded}" if encoded else url,
                                     data=body if method != "GET" else None,
                                     headers={k: v.encode("utf-8", "replace").decode("latin-1") for k, v in headers.items()},
                                     timeout=60, allow_redirects=False)
        except requests.exceptions.InvalidHeader:
            return
        COUNT["requests"] += 1
        assert reply.status_code < 500, (method, url, reply.status_code, reply.text[:300])

    probe()


def test_widget_socket_events(stack, baseline):
    client = socketio.Client(reconnection=False,
                             websocket_extra_options={"origin": f"http://127.0.0.1:{stack.dashboard_port}"})
    errors: list = []
    client.on("error", lambda data: errors.append(data))
    client.connect(stack.rasa_url, transports=["websocket"], wait_timeout=30)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(event=st.sampled_from(["session_request", "user_uttered", "connect", "disconnect", "junk"]),
           data=json_values)
    def probe(event, data):
        if not client.connected:
            client.connect(stack.rasa_url, transports=["websocket"], wait_timeout=30)
        try:
            client.emit(event, data)
        except (socketio.exceptions.BadNamespaceError, ValueError, TypeError):
            return
        COUNT["requests"] += 1

    probe()
    client.disconnect()


@pytest.mark.parametrize("path", ["/twilio/media", "/talk"])
def test_bridge_sockets(stack, baseline, path):
    url = stack.voice_url.replace("http://", "ws://") + path

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(frames=st.lists(st.one_of(bodies, json_values.map(json.dumps)), min_size=1, max_size=4),
           token=forged)
    def probe(frames, token):
        try:
            ws = websocket.create_connection(f"{url}?token={token}", timeout=20)
        except (websocket.WebSocketException, OSError):
            COUNT["requests"] += 1
            return  # refused at the handshake: fine
        try:
            for frame in frames:
                COUNT["requests"] += 1
                if isinstance(frame, bytes):
                    ws.send_binary(frame)
                else:
                    ws.send(frame)
        except (websocket.WebSocketException, OSError):
            pass
        finally:
            ws.close()

    probe()
    assert requests.get(f"{stack.voice_url}/health", timeout=30).status_code == 200
