from enum import StrEnum

class ReportManifestSummaryVerdict(StrEnum):
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    PASS = "pass"

    def __str__(self) -> str:
        return str(self.value)
