"""Front ends that carry a conversation into Rasa: the phone (voice bridge), SMS, the web
widget and the owner's line. Each owns its wire format and its trust check."""
