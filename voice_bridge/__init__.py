"""Voice bridge: connects phone calls to the Rasa assistant (health endpoint now; Twilio media
streams, speech-to-text and text-to-speech come in a later change)."""
