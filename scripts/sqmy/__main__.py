from sqmy.cli import main

main()
