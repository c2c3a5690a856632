import sys

from klpm.cli import main

sys.exit(main())
