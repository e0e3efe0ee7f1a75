"""Understanding the caller's words: spoken numbers to digits, which service and how urgent,
corrections said at any question, and the Duckling client for times, phones and emails."""
