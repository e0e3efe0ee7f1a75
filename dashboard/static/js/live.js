// Live calls: renders the calls the server streams (server-sent events) as they change.
(function () {
  "use strict";
  const root = document.getElementById("live-calls");
  const status = document.getElementById("live-status");
  const template = document.getElementById("live-call");

  // In the business's zone, as the page says, wherever the browser is.
  const zone = root.dataset.timezone || undefined;
  function time(iso) {
    return iso ? new Date(iso).toLocaleTimeString("en-US", { timeZone: zone, hour: "numeric", minute: "2-digit", second: "2-digit" }) : "";
  }

  // A slot's value in words: a list joined, a time range or other object by its values.
  function slotText(value) {
    if (Array.isArray(value)) return value.map(slotText).join(", ");
    if (value && typeof value === "object") return Object.values(value).filter(function (v) { return v != null; }).map(slotText).join(" – ");
    const text = String(value);
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(text)) {  // a time the caller asked for, in business time
      return new Date(text).toLocaleString("en-US", { timeZone: zone, weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
    }
    return text.replace(/_/g, " ");
  }

  function turnItem(turn) {
    const item = document.createElement("li");
    item.className = "live-turn speaker-" + turn.speaker + (turn.interrupted ? " interrupted" : "");
    const who = document.createElement("span");
    who.className = "live-who";
    who.textContent = (turn.speaker === "caller" ? "Caller" : "Assistant") + " · " + time(turn.at);
    const text = document.createElement("span");
    text.className = "live-text";
    text.textContent = turn.text;
    item.append(who, text);
    const notes = [];
    if (turn.intent) notes.push(turn.intent + (turn.confidence != null ? " " + Math.round(turn.confidence * 100) + "%" : ""));
    if (turn.stt_confidence != null) notes.push("heard " + Math.round(turn.stt_confidence * 100) + "%");
    if (turn.interrupted) notes.push("interrupted");
    if (notes.length) {
      const note = document.createElement("span");
      note.className = "live-note muted";
      note.textContent = notes.join(" · ");
      item.append(note);
    }
    return item;
  }

  function render(calls) {
    root.replaceChildren();
    if (!calls.length) {
      const empty = document.createElement("p");
      empty.className = "empty";
      empty.textContent = "No calls right now.";
      root.append(empty);
      return;
    }
    for (const call of calls) {
      const node = template.content.cloneNode(true);
      const who = [call.name, call.caller].filter(Boolean).join(" · ") || "Unknown caller";
      node.querySelector(".live-caller").textContent = (call.channel === "phone" ? "" : call.channel + ": ") + who;
      const state = node.querySelector(".live-state");
      // An ended call shows what it came to (red when nothing), never a green "completed".
      const label = call.status === "in-progress" || call.status === "transferred" ? call.status : call.result;
      state.textContent = label.replace(/_/g, " ") + (call.duration_seconds != null ? " · " + Math.round(call.duration_seconds) + " s" : "");
      state.classList.add("badge-" + label);
      node.querySelector(".live-started").textContent = time(call.started_at);
      node.querySelector(".live-intent").textContent = call.intent || "—";
      const slots = Object.entries(call.slots || {});
      node.querySelector(".live-slots").textContent = slots.length ? slots.map(([k, v]) => k.replace(/_/g, " ") + ": " + slotText(v)).join(", ") : "—";
      const turns = node.querySelector(".live-turns");
      for (const turn of call.turns) turns.append(turnItem(turn));
      root.append(node);
    }
  }

  // The server answers each request at once and ends it; EventSource then reconnects after
  // the `retry:` it was given, with the last event id, and hears only about changes. So an
  // error event comes with every reconnect: say "Reconnecting" only when answers stop.
  const QUIET_MS = 5000;
  let updated = "";
  let quiet = null;
  const source = new EventSource(root.dataset.eventsUrl);
  source.addEventListener("open", function () {
    clearTimeout(quiet);
    quiet = null;
    status.textContent = "Live" + (updated ? " · updated " + updated : "");
  });
  source.addEventListener("calls", function (event) {
    updated = new Date().toLocaleTimeString("en-US", { timeZone: zone });
    status.textContent = "Live · updated " + updated;
    render(JSON.parse(event.data));
  });
  source.onerror = function () {
    if (source.readyState === EventSource.CLOSED) {
      // Not an event stream (e.g. the sign-in page after signing out): the browser gives up.
      clearTimeout(quiet);
      status.textContent = "Disconnected. Reload the page; you may need to sign in again.";
    } else if (quiet === null) {
      quiet = setTimeout(function () { status.textContent = "Reconnecting…"; }, QUIET_MS);
    }
  };
})();
