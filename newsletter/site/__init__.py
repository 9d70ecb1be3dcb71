"""The web archive: a static site of every issue, with browsing by organisation and type, and search."""
