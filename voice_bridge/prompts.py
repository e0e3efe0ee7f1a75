"""What the bridge itself says on a call, outside the dialogue: greeting, re-prompt,
goodbye and transfer notices; they are synthesized once at start-up."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Prompts:
    greeting: str
    reprompt: str = "Are you still there? How can I help you?"
    goodbye: str = "I can't hear anything, so I'll hang up now. Please call back any time. Goodbye."
    transfer: str = "One moment, I'm connecting you to the owner now."
    no_transfer: str = "Sorry, I can't connect you right now. I'll ask the office to call you back."

    def fixed(self) -> list[str]:
        return [self.greeting, self.reprompt, self.goodbye, self.transfer, self.no_transfer]
