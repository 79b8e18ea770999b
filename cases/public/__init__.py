"""The customer-facing channel: the online complaint form, the status look-up and customer
messages (email and SMS). No login; every page is rate-limited and reveals nothing about a
case without the matching reference and phone number."""
