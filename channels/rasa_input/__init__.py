"""Rasa input channels of ours (loaded by the Rasa server through credentials.yml): the
signed REST channel our own front ends use, and the web widget's socket.io channel."""
