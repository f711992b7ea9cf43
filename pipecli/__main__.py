from pipecli.cli.entry import main

main()
