"""Real servers for the channel tests, started by the test run from Debian's packages (dovecot,
slapd) or the standard library (the SMS gateway stand-in), each on a free loopback port with
its configuration and data in a throwaway directory, and stopped by the test run."""
