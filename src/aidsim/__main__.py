from aidsim.cli import main

main()
