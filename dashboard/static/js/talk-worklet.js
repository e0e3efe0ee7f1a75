// Push-to-talk's audio thread: the AudioContext already runs at 16 kHz (the browser
// resamples the microphone), so each 128-frame block only becomes 16-bit PCM for the bridge.
class Pcm16Capture extends AudioWorkletProcessor {
  process(inputs) {
    const samples = inputs[0] && inputs[0][0];
    if (samples && samples.length) {
      const pcm = new Int16Array(samples.length);
      for (let i = 0; i < samples.length; i++) {
        const s = Math.max(-1, Math.min(1, samples[i]));
        pcm[i] = s < 0 ? s * 0x8000 : s * 0x7fff;
      }
      this.port.postMessage(pcm.buffer, [pcm.buffer]);
    }
    return true;
  }
}

registerProcessor("pcm16-capture", Pcm16Capture);
