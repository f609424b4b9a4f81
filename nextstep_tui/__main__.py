from nextstep_tui.cli import main

raise SystemExit(main())
