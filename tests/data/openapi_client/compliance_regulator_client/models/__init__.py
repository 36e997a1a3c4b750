""" Contains all the data models used in inputs/outputs """

from .access_entry import AccessEntry
from .applies import Applies
from .artifact_kind import ArtifactKind
from .artifact_out import ArtifactOut
from .attestation_view import AttestationView
from .audit_detail import AuditDetail
from .audit_out import AuditOut
from .audit_page import AuditPage
from .clause import Clause
from .clause_mapping import ClauseMapping
from .error_body import ErrorBody
from .finding_out import FindingOut
from .health import Health
from .key_out import KeyOut
from .ledger_entry_out import LedgerEntryOut
from .ledger_entry_out_extra_signatures_type_0 import LedgerEntryOutExtraSignaturesType0
from .ledger_page import LedgerPage
from .list_reports_api_v1_reports_get_head_verdict_type_0 import ListReportsApiV1ReportsGetHeadVerdictType0
from .list_reports_api_v1_reports_get_verdict_type_0 import ListReportsApiV1ReportsGetVerdictType0
from .metric_result_out import MetricResultOut
from .metric_result_out_outcomes_type_0 import MetricResultOutOutcomesType0
from .model_out import ModelOut
from .model_ref import ModelRef
from .nightly_status import NightlyStatus
from .nightly_status_slots_last_24h import NightlyStatusSlotsLast24H
from .overdue_job import OverdueJob
from .policy_detail import PolicyDetail
from .policy_out import PolicyOut
from .policy_ref import PolicyRef
from .readiness import Readiness
from .readiness_checks import ReadinessChecks
from .regime import Regime
from .regime_mapping import RegimeMapping
from .regime_status import RegimeStatus
from .report_attestations import ReportAttestations
from .report_detail import ReportDetail
from .report_manifest import ReportManifest
from .report_manifest_answer_example import ReportManifestAnswerExample
from .report_manifest_answer_example_outcome import ReportManifestAnswerExampleOutcome
from .report_manifest_clause_evidence import ReportManifestClauseEvidence
from .report_manifest_data_summary import ReportManifestDataSummary
from .report_manifest_data_summary_benchmarks import ReportManifestDataSummaryBenchmarks
from .report_manifest_data_summary_excluded import ReportManifestDataSummaryExcluded
from .report_manifest_data_summary_groups import ReportManifestDataSummaryGroups
from .report_manifest_data_summary_groups_additional_property import ReportManifestDataSummaryGroupsAdditionalProperty
from .report_manifest_data_summary_unknown_groups import ReportManifestDataSummaryUnknownGroups
from .report_manifest_finding_entry import ReportManifestFindingEntry
from .report_manifest_identity import ReportManifestIdentity
from .report_manifest_mapped_clause import ReportManifestMappedClause
from .report_manifest_mapped_regime import ReportManifestMappedRegime
from .report_manifest_method import ReportManifestMethod
from .report_manifest_method_definitions import ReportManifestMethodDefinitions
from .report_manifest_method_mc_scoring_type_0 import ReportManifestMethodMcScoringType0
from .report_manifest_method_min_detectable_gaps import ReportManifestMethodMinDetectableGaps
from .report_manifest_metric_entry import ReportManifestMetricEntry
from .report_manifest_metric_entry_detail import ReportManifestMetricEntryDetail
from .report_manifest_model_ref import ReportManifestModelRef
from .report_manifest_policy_ref import ReportManifestPolicyRef
from .report_manifest_report_ref import ReportManifestReportRef
from .report_manifest_run_ref import ReportManifestRunRef
from .report_manifest_scope import ReportManifestScope
from .report_manifest_summary import ReportManifestSummary
from .report_manifest_summary_counts import ReportManifestSummaryCounts
from .report_manifest_summary_line import ReportManifestSummaryLine
from .report_manifest_summary_verdict import ReportManifestSummaryVerdict
from .report_manifest_trend_point import ReportManifestTrendPoint
from .report_manifest_trend_point_values import ReportManifestTrendPointValues
from .report_manifest_trend_point_verdicts import ReportManifestTrendPointVerdicts
from .report_out import ReportOut
from .report_page import ReportPage
from .rule_evidence import RuleEvidence
from .rule_out import RuleOut
from .source import Source
from .version_out import VersionOut
from .version_ref import VersionRef

__all__ = (
    "AccessEntry",
    "Applies",
    "ArtifactKind",
    "ArtifactOut",
    "AttestationView",
    "AuditDetail",
    "AuditOut",
    "AuditPage",
    "Clause",
    "ClauseMapping",
    "ErrorBody",
    "FindingOut",
    "Health",
    "KeyOut",
    "LedgerEntryOut",
    "LedgerEntryOutExtraSignaturesType0",
    "LedgerPage",
    "ListReportsApiV1ReportsGetHeadVerdictType0",
    "ListReportsApiV1ReportsGetVerdictType0",
    "MetricResultOut",
    "MetricResultOutOutcomesType0",
    "ModelOut",
    "ModelRef",
    "NightlyStatus",
    "NightlyStatusSlotsLast24H",
    "OverdueJob",
    "PolicyDetail",
    "PolicyOut",
    "PolicyRef",
    "Readiness",
    "ReadinessChecks",
    "Regime",
    "RegimeMapping",
    "RegimeStatus",
    "ReportAttestations",
    "ReportDetail",
    "ReportManifest",
    "ReportManifestAnswerExample",
    "ReportManifestAnswerExampleOutcome",
    "ReportManifestClauseEvidence",
    "ReportManifestDataSummary",
    "ReportManifestDataSummaryBenchmarks",
    "ReportManifestDataSummaryExcluded",
    "ReportManifestDataSummaryGroups",
    "ReportManifestDataSummaryGroupsAdditionalProperty",
    "ReportManifestDataSummaryUnknownGroups",
    "ReportManifestFindingEntry",
    "ReportManifestIdentity",
    "ReportManifestMappedClause",
    "ReportManifestMappedRegime",
    "ReportManifestMethod",
    "ReportManifestMethodDefinitions",
    "ReportManifestMethodMcScoringType0",
    "ReportManifestMethodMinDetectableGaps",
    "ReportManifestMetricEntry",
    "ReportManifestMetricEntryDetail",
    "ReportManifestModelRef",
    "ReportManifestPolicyRef",
    "ReportManifestReportRef",
    "ReportManifestRunRef",
    "ReportManifestScope",
    "ReportManifestSummary",
    "ReportManifestSummaryCounts",
    "ReportManifestSummaryLine",
    "ReportManifestSummaryVerdict",
    "ReportManifestTrendPoint",
    "ReportManifestTrendPointValues",
    "ReportManifestTrendPointVerdicts",
    "ReportOut",
    "ReportPage",
    "RuleEvidence",
    "RuleOut",
    "Source",
    "VersionOut",
    "VersionRef",
)
