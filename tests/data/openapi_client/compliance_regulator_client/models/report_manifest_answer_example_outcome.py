from enum import StrEnum

class ReportManifestAnswerExampleOutcome(StrEnum):
    INCORRECT = "incorrect"
    REFUSED = "refused"
    UNPARSED = "unparsed"

    def __str__(self) -> str:
        return str(self.value)
