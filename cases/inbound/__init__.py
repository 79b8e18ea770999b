"""Email intake (SPEC §14): complaint mailboxes read over IMAP by a beat job; each new mail a
case in channel email, each reply carrying a case reference filed to that case."""
