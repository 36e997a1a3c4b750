"""Source adapters: each reads one kind of evaluation results and yields validated
canonical records (``compliance.domain.records.EvaluationRecord``). No SQL here."""
