"""The business's data and rules, shared by the actions server, dashboard and voice bridge."""
