"""Our Rasa input channels mounted the way `rasa run` mounts them, in Rasa's own
environment, with an echo in place of the assistant: tests of the channels' wire format,
checks and limits start in a second instead of loading a model.

Run by tests/channels/conftest.py: `.venvs/rasa/bin/python tests/channels/echo_rasa.py PORT`."""
from __future__ import annotations

import sys

from types import SimpleNamespace

from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from channels.rasa_input.rest import SignedRestInput
from channels.rasa_input.socketio import WidgetSocketIOInput


async def echo(message: UserMessage) -> None:
    # "silence" and "crash" stand for an assistant that answers nothing or fails; "buttons"
    # for one that offers quick replies.
    if message.text == "silence":
        return
    if message.text == "crash":
        raise RuntimeError("the assistant failed")
    if message.text == "buttons":  # an answer with quick replies, as Rasa's buttons arrive
        await message.output_channel.send_text_with_buttons(
            message.sender_id, "When suits you?", [{"title": "Tomorrow morning", "payload": "tomorrow morning"},
                                                  {"title": "Friday", "payload": "friday"}])
        return
    channel = (message.metadata or {}).get("channel")
    await message.output_channel.send_text_message(
        message.sender_id, f"echo {message.text} | sender {message.sender_id} | channel {channel}")


def main() -> None:
    port = int(sys.argv[1])
    app = Sanic("echo_rasa")
    # Mounted by Rasa's own function, as `rasa run` does, with the echo as the agent.
    app.ctx.agent = SimpleNamespace(handle_message=echo)
    register([SignedRestInput(), WidgetSocketIOInput.from_credentials({})], app, route="/webhooks/")
    app.run("127.0.0.1", port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
