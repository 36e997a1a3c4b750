from enum import StrEnum

class RegimeStatus(StrEnum):
    DRAFT = "draft"
    IN_FORCE = "in-force"
    SUPERSEDED = "superseded"
    VOLUNTARY = "voluntary"

    def __str__(self) -> str:
        return str(self.value)
