"""One module per `deuxvie` sub-command. Each exposes `register(subparsers)` and sets
`func(args) -> int` as the parser default. cli.py discovers them, so adding a command
touches no shared file."""
