import sys

from deuxvie.cli import main

sys.exit(main())
