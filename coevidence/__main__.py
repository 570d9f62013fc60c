"""`python -m coevidence` runs the `coevidence` command."""

from coevidence.cli import main

if __name__ == "__main__":
    main()
