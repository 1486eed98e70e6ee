"""`python -m phonefleet`: the same as the `phonefleet` command."""

from phonefleet.cli import main

if __name__ == "__main__":
    main()
