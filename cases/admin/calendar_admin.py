"""Admin for the calendar, deadline policy and notifications."""
