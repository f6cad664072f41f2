import sys

from deuxvie_server.cli import main

sys.exit(main())
