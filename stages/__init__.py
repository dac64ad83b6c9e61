"""One module per DVC stage: read the stage's params section, call riawelc, write the outputs.

Nothing imports a stage (tests of the stages aside): what two stages share is plumbing (`common`, `validation`,
`sections`) or library code in riawelc. The stages that need TensorFlow import it first, quietly
(`riawelc.quiet.import_tensorflow_quietly`; RIAWELC_TF_LOGS=1 keeps its lines).
"""
