"""Custom Rasa input channels (imported by credentials.yml; Rasa runs from rasa_project/)."""
