"""Voice bridge: answers Twilio calls over Media Streams and the owner's push-to-talk,
with local speech (Whisper or Vosk in, Piper out) and Rasa's REST channel in between."""
