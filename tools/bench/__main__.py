import sys

from tools.bench.harness import main

sys.exit(main())
