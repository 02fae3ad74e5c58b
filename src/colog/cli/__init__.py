"""The `colog` command line: thin commands that check flags and call the library."""
