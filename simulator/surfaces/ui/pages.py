"""The UI's pages, one module per portal; importing this module registers them all."""
