"""The error every command turns into one line on stderr and exit code 2."""


class CommandError(Exception):
    """Input the tool cannot process; the message names the file and what is wrong."""
