"""One module per DVC stage: read the stage's params section, call riawelc, write the outputs."""
