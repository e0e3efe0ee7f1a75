"""Custom actions for the Rasa assistant. Actions read the tracker, call the business
package and utter; the rules themselves live in business/."""
