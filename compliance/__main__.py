"""``python -m compliance`` runs the command line."""

from compliance.cli import main

if __name__ == "__main__":
    main()
