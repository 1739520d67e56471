"""One module per form: where its tables live, how to read and write it."""
