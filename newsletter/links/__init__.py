"""Links on the network: what a page says about itself (for ``add``) and whether it still works (``check --online``)."""
