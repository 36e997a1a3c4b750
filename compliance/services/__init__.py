"""Use cases: each one unit of work, called by the command line, the API and the scheduler."""
