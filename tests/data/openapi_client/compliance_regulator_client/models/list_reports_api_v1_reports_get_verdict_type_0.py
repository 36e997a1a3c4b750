from enum import StrEnum

class ListReportsApiV1ReportsGetVerdictType0(StrEnum):
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    PASS = "pass"

    def __str__(self) -> str:
        return str(self.value)
