import sys

from orchestration.bench.harness import main

sys.exit(main())
