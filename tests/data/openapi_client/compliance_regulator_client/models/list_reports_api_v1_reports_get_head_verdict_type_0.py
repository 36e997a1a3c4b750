from enum import StrEnum

class ListReportsApiV1ReportsGetHeadVerdictType0(StrEnum):
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    PASS = "pass"

    def __str__(self) -> str:
        return str(self.value)
