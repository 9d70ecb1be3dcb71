from newsletter.cli import main

raise SystemExit(main())
