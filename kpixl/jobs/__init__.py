"""The jobs people run: collect a unit, consolidate the round, build the demo."""
