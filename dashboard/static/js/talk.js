// Push-to-talk: while the button is held (mouse, touch or pen, or the space bar), the
// microphone goes to the voice bridge as 16 kHz 16-bit PCM over a WebSocket; the transcript
// and the spoken answers come back. The browser resamples to 16 kHz (the AudioContext's
// rate) and an AudioWorklet (talk-worklet.js) converts off the main thread.
(function () {
  "use strict";
  const RATE = 16000;
  const SEND_SAMPLES = RATE / 10;  // about 100 ms per WebSocket message
  const root = document.getElementById("talk");
  const button = document.getElementById("talk-button");
  const status = document.getElementById("talk-status");
  const transcript = document.getElementById("talk-transcript");
  const issuedAt = Date.now();
  let socket = null, capture = null, held = false, player = null;
  let pending = [], pendingSamples = 0;
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
    item.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  // Answers play through an AudioContext unlocked by the first press, so a phone plays
  // them through its speaker without another tap.
  function unlockPlayer() {
    if (!player) player = new AudioContext();
    if (player.state === "suspended") player.resume();
  }

  async function playNext() {
    if (playing || !playlist.length) return;
    playing = true;
    try {
      const buffer = await player.decodeAudioData(await playlist.shift().arrayBuffer());
      const source = player.createBufferSource();
      source.buffer = buffer;
      source.connect(player.destination);
      await new Promise(function (done) { source.onended = done; source.start(); });
    } catch (error) {
      console.warn("answer not played:", error);
    }
    playing = false;
    playNext();
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

  function sendWhenOpen(data) {
    if (!socket) return;
    if (socket.readyState === WebSocket.OPEN) socket.send(data);
    else socket.addEventListener("open", function () { socket.send(data); }, { once: true });
  }

  function flush() {
    if (!pendingSamples) return;
    const out = new Int16Array(pendingSamples);
    let offset = 0;
    for (const chunk of pending) { out.set(chunk, offset); offset += chunk.length; }
    pending = [];
    pendingSamples = 0;
    sendWhenOpen(out.buffer);
  }

  async function start() {
    if (held) return;
    held = true;
    unlockPlayer();
    socket = socket && socket.readyState <= 1 ? socket : openSocket();
    if (!socket) { held = false; return; }
    button.setAttribute("aria-pressed", "true");
    status.textContent = "Listening…";
    let stream, context;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true } });
      context = new AudioContext({ sampleRate: RATE });
      await context.audioWorklet.addModule(root.dataset.workletUrl);
    } catch (error) {
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      if (context) context.close();
      held = false;
      button.setAttribute("aria-pressed", "false");
      status.textContent = "No microphone: " + error.message;
      return;
    }
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, "pcm16-capture", { numberOfInputs: 1, numberOfOutputs: 0, channelCount: 1 });
    node.port.onmessage = function (event) {
      const chunk = new Int16Array(event.data);
      pending.push(chunk);
      pendingSamples += chunk.length;
      if (pendingSamples >= SEND_SAMPLES) flush();
    };
    source.connect(node);
    capture = { stream: stream, context: context, source: source, node: node };
    if (!held) stop();  // released while the microphone was opening
  }

  function stop() {
    if (!held && !capture) return;
    held = false;
    if (!capture) return;  // start() finishes and calls stop() again
    capture.source.disconnect();
    capture.node.port.onmessage = null;
    capture.stream.getTracks().forEach(function (track) { track.stop(); });
    capture.context.close();
    capture = null;
    flush();
    button.setAttribute("aria-pressed", "false");
    status.textContent = "Thinking…";
    sendWhenOpen(JSON.stringify({ event: "stop" }));
  }

  // Pointer events cover mouse, touch and pen alike; capturing the pointer keeps a finger
  // that slides off the button from ending the turn, and a cancelled touch ends it.
  button.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    button.setPointerCapture(event.pointerId);
    start();
  });
  button.addEventListener("pointerup", stop);
  button.addEventListener("pointercancel", stop);
  button.addEventListener("lostpointercapture", stop);
  button.addEventListener("contextmenu", function (event) { event.preventDefault(); });  // long press on a phone
  button.addEventListener("keydown", function (event) {
    if (event.key === " " && !event.repeat) { event.preventDefault(); start(); }
  });
  button.addEventListener("keyup", function (event) { if (event.key === " ") stop(); });
})();
