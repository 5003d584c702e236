// HTTP2: see ../shared/DESIGN.md for what this module owns.
