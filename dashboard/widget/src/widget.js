/* The website chat widget: one <script src=".../widget.js" data-…> line draws a launcher
 * and a chat panel in a Shadow DOM (the host page's CSS cannot reach it) and talks to
 * Rasa's socket.io channel. Built by `make static` with socket.io-client into
 * dashboard/static/widget/widget.js; the dashboard serves it at /widget.js. */
import { io } from "socket.io-client";
import { STYLE } from "./style.js";

// The dashboard wraps this bundle in a function that defines __lakeshoreDefaults
// ({socketUrl, title}); a copy built without it still runs from data attributes.
/* global __lakeshoreDefaults */
const DEFAULTS = typeof __lakeshoreDefaults === "object" ? __lakeshoreDefaults : {};
const STORE = "lakeshore-chat";
const MAX_KEPT = 60; // messages kept for the next page load
const MAX_CHARS = 1000; // the channel refuses longer messages
const LINK = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)])/g;

function scriptTag() {
  return document.currentScript || document.querySelector("script[src*='widget.js']");
}

function settings(tag) {
  const data = (tag && tag.dataset) || {};
  return {
    socketUrl: data.socketUrl || DEFAULTS.socketUrl || "",
    socketPath: data.socketPath || "/socket.io",
    title: data.title || DEFAULTS.title || "Chat with us",
    color: /^#[0-9a-fA-F]{3,8}$/.test(data.color || "") ? data.color : "#0b5cad",
    greeting: data.greeting || "Hi! How can we help? You can book a plumber or ask about prices and hours.",
  };
}

function load() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE) || "{}");
    return { sessionId: saved.sessionId || null, messages: Array.isArray(saved.messages) ? saved.messages : [],
             open: saved.open === true };
  } catch (_) {
    return { sessionId: null, messages: [], open: false };
  }
}

function save(state) {
  try {
    localStorage.setItem(STORE, JSON.stringify({ sessionId: state.sessionId, open: state.open,
                                                  messages: state.messages.slice(-MAX_KEPT) }));
  } catch (_) { /* private mode or full storage: the chat still works for this page */ }
}

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// Assistant text becomes text nodes and http(s) links only: never HTML.
function richText(text) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    fragment.append(text.slice(last, match.index));
    fragment.append(el("a", { href: match[0], target: "_blank", rel: "noopener noreferrer nofollow",
                              text: match[0] }));
    last = match.index + match[0].length;
  }
  fragment.append(text.slice(last));
  return fragment;
}

// Read while this script runs: document.currentScript is null once it has finished.
const TAG = scriptTag();

// A speech bubble drawn as SVG: an emoji needs a font the visitor may not have.
function chatIcon() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "22");
  svg.setAttribute("height", "22");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("fill", "currentColor");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
  svg.append(path);
  return svg;
}

function mount() {
  const config = settings(TAG);
  const state = load();
  const host = el("div", { id: "lakeshore-chat", "data-lakeshore-chat": "" });
  const root = host.attachShadow({ mode: "open" });
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
    // A constructed sheet is not an inline <style>, so a host page's strict CSP allows it.
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.append(el("style", { text: STYLE }));
  }
  host.style.setProperty("--accent", config.color);

  const launcher = el("button", { class: "launcher", type: "button", "aria-haspopup": "dialog",
                                  "aria-expanded": "false", "aria-controls": "panel",
                                  "aria-label": `Open chat: ${config.title}` });
  launcher.append(chatIcon(), el("span", { class: "launcher-text", text: "Chat" }));
  const title = el("h2", { id: "title", text: config.title });
  const close = el("button", { class: "close", type: "button", "aria-label": "Close chat", text: "×" });
  const log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
                          "aria-label": "Conversation", tabindex: "0" });
  const typing = el("div", { class: "typing", role: "status", hidden: "" }, [
    el("span", { class: "visually-hidden", text: "The assistant is typing" }),
    el("span", { class: "dot", "aria-hidden": "true" }), el("span", { class: "dot", "aria-hidden": "true" }),
    el("span", { class: "dot", "aria-hidden": "true" }),
  ]);
  const input = el("textarea", { id: "message", rows: "1", maxlength: String(MAX_CHARS), autocomplete: "off",
                                 placeholder: "Type your message…" });
  const send = el("button", { class: "send", type: "submit", text: "Send" });
  const form = el("form", { class: "composer" }, [
    el("label", { for: "message", class: "visually-hidden", text: "Your message" }), input, send,
  ]);
  const panel = el("div", { id: "panel", class: "panel", role: "dialog", "aria-modal": "true",
                            "aria-labelledby": "title", hidden: "" }, [
    el("div", { class: "header" }, [title, close]), log, typing, form,
  ]);
  root.append(launcher, panel);
  document.body.append(host);

  function bubble(who, text, buttons) {
    const item = el("div", { class: `message ${who}` });
    const label = who === "user" ? "You said: " : who === "bot" ? `${config.title}: ` : "";
    item.append(el("span", { class: "visually-hidden", text: label }), richText(text));
    log.append(item);
    if (buttons && buttons.length) {
      const row = el("div", { class: "quick-replies", role: "group", "aria-label": "Suggested replies" });
      for (const button of buttons) {
        const choice = el("button", { type: "button", class: "quick-reply", text: button.title });
        choice.addEventListener("click", () => {
          row.remove();
          say(button.title, button.payload || button.title);
        });
        row.append(choice);
      }
      log.append(row);
    }
    log.scrollTop = log.scrollHeight;
  }

  function remember(who, text, buttons) {
    state.messages.push({ who, text, buttons: buttons && buttons.length ? buttons : undefined });
    save(state);
  }

  function showTyping(on) {
    typing.hidden = !on;
    if (on) log.scrollTop = log.scrollHeight;
  }

  if (!state.messages.length) remember("bot", config.greeting);
  state.messages.forEach((m, i) => bubble(m.who, m.text, i === state.messages.length - 1 ? m.buttons : null));

  const socket = io(config.socketUrl || undefined, { path: config.socketPath, transports: ["websocket"],
                                                     autoConnect: false });
  // The channel handles events concurrently: a message sent before its session is
  // confirmed would find no session, so messages wait for session_confirm.
  let confirmed = false;
  const waiting = [];
  socket.on("connect", () => socket.emit("session_request", { session_id: state.sessionId }));
  socket.on("disconnect", () => { confirmed = false; });
  socket.on("session_confirm", (sessionId) => {
    const id = typeof sessionId === "string" ? sessionId : sessionId && sessionId.session_id;
    if (!id) return;
    state.sessionId = id;
    save(state);
    confirmed = true;
    while (waiting.length) socket.emit("user_uttered", { message: waiting.shift(), session_id: id });
  });
  socket.on("bot_uttered", (message) => {
    showTyping(false);
    if (!message) return;
    const buttons = (message.quick_replies || message.buttons || [])
      .filter((b) => b && typeof b.title === "string").map((b) => ({ title: b.title, payload: String(b.payload || b.title) }));
    const text = typeof message.text === "string" ? message.text : "";
    if (!text && !buttons.length) return;
    bubble("bot", text, buttons);
    remember("bot", text, buttons);
  });
  socket.on("error", (problem) => {
    showTyping(false);
    const text = (problem && typeof problem.error === "string") ? problem.error : "Something went wrong.";
    bubble("note", `Sorry: ${text}`);
  });
  socket.on("connect_error", () => {
    showTyping(false);
    if (!panel.hidden) bubble("note", "Sorry, the chat cannot connect right now. Please call us instead.");
  });

  function say(shown, sent = shown) {
    bubble("user", shown);
    remember("user", shown);
    showTyping(true);
    if (confirmed) socket.emit("user_uttered", { message: sent, session_id: state.sessionId });
    else {
      waiting.push(sent);
      if (!socket.connected) socket.connect();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    say(text.slice(0, MAX_CHARS));
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  function focusable() {
    return [...panel.querySelectorAll("button, textarea, [tabindex='0'], a[href]")]
      .filter((node) => !node.disabled && node.offsetParent !== null);
  }

  function setOpen(open) {
    state.open = open;
    save(state);
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      if (!socket.connected) socket.connect();
      input.focus();
    } else {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", () => setOpen(true));
  close.addEventListener("click", () => setOpen(false));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      setOpen(false);
    } else if (event.key === "Tab") {
      // Focus stays inside the open dialog.
      const nodes = focusable();
      const first = nodes[0];
      const last = nodes[nodes.length - 1];
      const active = root.activeElement;
      if (event.shiftKey && (active === first || !panel.contains(active))) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (active === last || !panel.contains(active))) {
        event.preventDefault();
        first.focus();
      }
    }
  });
  if (state.open) {
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    socket.connect();
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
else mount();
