from coevidence.cli import main

main()
