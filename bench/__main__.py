"""`python -m bench`: the same as `studybot bench`."""
import sys

from . import main

sys.exit(main())
