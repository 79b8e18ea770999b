"""Admin for departments, memberships and complaint cases."""
