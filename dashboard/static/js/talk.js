// Push-to-talk: while the button is held, microphone audio goes to the voice bridge as
// 16 kHz 16-bit PCM over a WebSocket; the transcript and spoken answers come back.
(function () {
  "use strict";
  const RATE = 16000;
  const root = document.getElementById("talk");
  const button = document.getElementById("talk-button");
  const status = document.getElementById("talk-status");
  const transcript = document.getElementById("talk-transcript");
  const issuedAt = Date.now();
  let socket = null, context = null, source = null, processor = null, stream = null;
  const playlist = [];
  let playing = false;

  function say(speaker, text, note) {
    const item = document.createElement("li");
    item.className = "live-turn speaker-" + speaker;
    const who = document.createElement("span");
    who.className = "live-who";
    who.textContent = speaker === "caller" ? "You" : "Assistant";
    const body = document.createElement("span");
    body.className = "live-text";
    body.textContent = text;
    item.append(who, body);
    if (note) {
      const small = document.createElement("span");
      small.className = "live-note muted";
      small.textContent = note;
      item.append(small);
    }
    transcript.append(item);
  }

  function playNext() {
    if (playing || !playlist.length) return;
    playing = true;
    const audio = new Audio(URL.createObjectURL(playlist.shift()));
    audio.onended = audio.onerror = function () { playing = false; playNext(); };
    audio.play().catch(function () { playing = false; playNext(); });
  }

  function openSocket() {
    if (Date.now() - issuedAt > (Number(root.dataset.tokenSeconds) - 5) * 1000) {
      status.textContent = "The page has expired; reload it to talk again.";
      return null;
    }
    const ws = new WebSocket(root.dataset.socketUrl + "?token=" + encodeURIComponent(root.dataset.token));
    ws.binaryType = "blob";
    ws.onmessage = function (event) {
      if (typeof event.data !== "string") { playlist.push(event.data); playNext(); return; }
      const message = JSON.parse(event.data);
      if (message.event === "transcript") {
        say("caller", message.text || "(nothing heard)",
            message.confidence != null ? "heard " + Math.round(message.confidence * 100) + "%" : "");
      } else if (message.event === "reply") {
        say("assistant", message.text);
      } else if (message.event === "error") {
        status.textContent = message.message;
      } else if (message.event === "done") {
        status.textContent = "Ready.";
      }
    };
    ws.onclose = function (event) {
      if (event.code === 1006 || event.code === 1008) status.textContent = "The voice bridge refused the connection.";
      socket = null;
    };
    return ws;
  }

  function toPcm16(samples, inputRate) {
    const ratio = inputRate / RATE, length = Math.floor(samples.length / ratio);
    const out = new Int16Array(length);
    for (let i = 0; i < length; i++) {
      const s = Math.max(-1, Math.min(1, samples[Math.floor(i * ratio)]));
      out[i] = s < 0 ? s * 0x8000 : s * 0x7fff;
    }
    return out.buffer;
  }

  // Whether the button is held now: a quick tap lets go while the microphone is still
  // being opened, and start() must then close it instead of listening on.
  let held = false;

  async function start() {
    if (held || processor) return;
    held = true;
    socket = socket && socket.readyState <= 1 ? socket : openSocket();
    if (!socket) return;
    let opened;
    try {
      opened = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true } });
    } catch (error) {
      held = false;
      status.textContent = "No microphone: " + error.message;
      return;
    }
    if (!held) {
      opened.getTracks().forEach(function (track) { track.stop(); });
      status.textContent = "Hold the button while you speak.";
      return;
    }
    stream = opened;
    context = new AudioContext();
    source = context.createMediaStreamSource(stream);
    processor = context.createScriptProcessor(4096, 1, 1);
    processor.onaudioprocess = function (event) {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(toPcm16(event.inputBuffer.getChannelData(0), context.sampleRate));
      }
    };
    source.connect(processor);
    processor.connect(context.destination);
    button.setAttribute("aria-pressed", "true");
    status.textContent = "Listening…";
  }

  function stop() {
    held = false;
    if (!processor) return;
    processor.disconnect();
    source.disconnect();
    stream.getTracks().forEach(function (track) { track.stop(); });
    context.close();
    processor = source = stream = context = null;
    button.setAttribute("aria-pressed", "false");
    status.textContent = "Thinking…";
    if (socket) {
      const send = function () { socket.send(JSON.stringify({ event: "stop" })); };
      if (socket.readyState === WebSocket.OPEN) send(); else socket.addEventListener("open", send, { once: true });
    }
  }

  button.addEventListener("pointerdown", start);
  button.addEventListener("pointerup", stop);
  button.addEventListener("pointerleave", stop);
  button.addEventListener("keydown", function (event) { if (event.key === " " && !event.repeat) start(); });
  button.addEventListener("keyup", function (event) { if (event.key === " ") stop(); });
})();
