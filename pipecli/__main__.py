from pipecli.cli.main import main

main()
