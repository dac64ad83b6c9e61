"""Films from file to decision, for the CLI (and later the service): read each film with its scale
(riawelc.radiograph), inspect it (riawelc.inspect.film), measure its indications (riawelc.indications), judge them
at each acceptance level (riawelc.acceptance) and write the record and the report (riawelc.report). No TensorFlow,
scikit-learn or pandas."""

from riawelc.assessment.film import Assessment, Judging, assess
from riawelc.assessment.folder import Reading, assess_folder, folder_films, write_assessment
from riawelc.assessment.provenance import model_provenance, rules_provenance

__all__ = ["Assessment", "Judging", "Reading", "assess", "assess_folder", "folder_films", "model_provenance",
           "rules_provenance", "write_assessment"]
