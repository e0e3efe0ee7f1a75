"""What the bridge itself says on a call, outside the dialogue: greeting, re-prompt,
goodbye, transfer notices and the apologies when the assistant cannot answer. Every
sentence must be true when it is said; they are synthesized once at start-up."""
from __future__ import annotations

from dataclasses import dataclass

TROUBLE = "I'm sorry, I'm having trouble on my end right now."


@dataclass(frozen=True)
class Prompts:
    greeting: str
    reprompt: str = "Are you still there? How can I help you?"
    goodbye: str = "I can't hear anything, so I'll hang up now. Please call back any time. Goodbye."
    transfer: str = "One moment, I'm connecting you to the owner now."
    no_transfer: str = "Sorry, I can't connect you right now. I'll ask the office to call you back."
    # Without the caller's number nobody can call back.
    no_transfer_anonymous: str = "Sorry, I can't connect you right now. Please call back a little later."
    # The assistant failed: said only once the owner's alert (with the number) is queued...
    trouble_noted: str = f"{TROUBLE} I've noted your number and the office will call you back. " \
                         "Or you can try saying that again."
    # ...queued without a number (no caller ID)...
    trouble_told: str = f"{TROUBLE} I've let the office know. Please try saying that again, or call back a little later."
    # ...or when not even the alert could be stored.
    trouble: str = f"{TROUBLE} Please try saying that again, or call back a little later."

    def fixed(self) -> list[str]:
        return [self.greeting, self.reprompt, self.goodbye, self.transfer, self.no_transfer,
                self.no_transfer_anonymous, self.trouble_noted, self.trouble_told, self.trouble]
