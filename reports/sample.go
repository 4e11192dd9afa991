package reports

import "time"

// SamplePackage returns a small package that exercises every part of the
// model: every control status, a failing, an unknown and an excepted
// result, an exception of each state, an attachment, a previous period and
// a stale eligible-services list. LoadText executes every template on it;
// template authors can render it to preview their wording.
func SamplePackage() *Package {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	const acct = "111122223333"
	const digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	controls := []Control{
		{ID: "164.308(a)(1)", Title: "Security management process", Safeguard: "administrative", Kind: "standard", Requirement: "n/a",
			Summary: "Have policies and procedures that prevent, detect, contain and correct security violations.",
			Status:  ManualRequired, Reason: "needs a risk analysis document", PreviousStatus: ManualRequired,
			Owners: Owners{Build: "Security", Monitor: "Compliance", Exceptions: "CISO", Responsibility: "customer"}},
		{ID: "164.308(a)(1)(ii)(D)", Parent: "164.308(a)(1)", Title: "Information system activity review", Safeguard: "administrative",
			Kind: "implementation_specification", Requirement: "required", Summary: "Review system activity records on a regular schedule.",
			Status: NotMet, Reason: "cloudtrail_enabled failed for 1 resource", PreviousStatus: Met, Checks: []ControlCheck{{ID: "cloudtrail_enabled", Status: Fail, Counts: Counts{Fail: 1, Unknown: 1}}},
			Owners: Owners{Build: "Platform", Monitor: "", Exceptions: "CISO", Responsibility: "customer", Gaps: []string{"monitor"}}},
		{ID: "164.310(a)(1)", Title: "Facility access controls", Safeguard: "physical", Kind: "standard", Requirement: "n/a",
			Summary: "Limit physical access to electronic information systems and the facilities that house them.",
			Status:  Inherited, Reason: "AWS data centres; AWS SOC 2 report attached",
			Owners:         Owners{Build: "AWS", Monitor: "Compliance", Exceptions: "CISO", Responsibility: "aws"},
			ManualEvidence: []Attachment{{Name: "aws-soc2-2026.pdf", Digest: digest, AttachedAt: day(2026, 10, 2), ValidUntil: day(2027, 10, 1)}}},
		{ID: "164.312(a)(2)(iv)", Parent: "164.312(a)(1)", Title: "Encryption and decryption", Safeguard: "technical",
			Kind: "implementation_specification", Requirement: "addressable", Summary: "Encrypt and decrypt ePHI where reasonable and appropriate.",
			Status: Partial, Reason: "1 failure covered by exception EX-1", Checks: []ControlCheck{{ID: "s3_bucket_default_encryption", Status: Excepted, Counts: Counts{Pass: 1, Excepted: 1}}},
			Exceptions: []string{"EX-1"}, Owners: Owners{Build: "Platform", Monitor: "Security", Exceptions: "CISO", Responsibility: "shared"}},
		{ID: "164.312(b)", Title: "Audit controls", Safeguard: "technical", Kind: "standard", Requirement: "n/a",
			Summary: "Record and examine activity in systems that contain or use ePHI.", Status: Unknown,
			Reason:       "cloudtrail:DescribeTrails was denied in 111122223333 us-east-1",
			Checks:       []ControlCheck{{ID: "cloudtrail_enabled", Status: ResultUnknown, Counts: Counts{Unknown: 1}, FailedActions: []string{"cloudtrail:DescribeTrails"}}},
			NotEvaluated: []string{"cloudtrail_log_metric_filters_alarms"}},
		{ID: "164.314(a)(1)", Title: "Business associate contracts or other arrangements", Safeguard: "organizational", Kind: "standard",
			Requirement: "n/a", Summary: "Have business associate contracts that meet 164.314(a)(2).", Status: Met, Reason: "BAA attached"},
		{ID: "164.316(a)", Title: "Policies and procedures", Safeguard: "documentation", Kind: "standard", Requirement: "n/a",
			Summary: "Implement reasonable and appropriate policies and procedures.", Status: ControlNotApplicable, Reason: "recorded as not applicable"},
	}
	return &Package{
		Schema:       PackageSchema,
		Organization: "Clínica Müller",
		Period:       "2026-Q4",
		PeriodStart:  day(2026, 10, 1),
		PeriodEnd:    day(2027, 1, 1),
		GeneratedAt:  time.Date(2027, 1, 5, 9, 30, 0, 0, time.UTC),
		ToolVersion:  "v0.0.0-sample",
		RunID:        "2026-Q4_20270105T090000Z_abcdef",
		Key:          SigningKey{ID: digest, Demo: true},
		Regulation:   "HIPAA Security Rule (45 CFR Part 164, Subpart C)",
		Notes:        []Note{{Level: NoteWarning, Text: "Signed with a demo key."}},
		Scope: Scope{
			Accounts:     []Account{{ID: acct, Name: "production", Access: "caller"}},
			Regions:      []string{"us-east-1"},
			Services:     []Service{{Name: "Amazon Simple Storage Service", Eligibility: Eligible, ListedAs: "Amazon S3", Accounts: []string{acct}}},
			EligibleList: EligibleList{Title: "AWS HIPAA Eligible Services Reference", Date: "2022-04-18", Source: "sample", Stale: true},
		},
		Controls: controls,
		Checks: []Check{
			{ID: "cloudtrail_enabled", Title: "CloudTrail is enabled", Severity: "high", Evidence: []string{"aws.cloudtrail.trails"},
				Citations: []string{"164.308(a)(1)(ii)(D)", "164.312(b)"}, Counts: Counts{Fail: 1, Unknown: 1}},
			{ID: "s3_bucket_default_encryption", Title: "S3 buckets encrypt by default", Severity: "high", Evidence: []string{"aws.s3.buckets"},
				Citations: []string{"164.312(a)(2)(iv)"}, Counts: Counts{Pass: 1, Excepted: 1}},
		},
		Findings: []Finding{
			{CheckID: "cloudtrail_enabled", AccountID: acct, Region: "eu-west-1", ResourceID: "arn:aws:cloudtrail:eu-west-1:111122223333:trail/main", Status: Fail,
				Citations: []string{"164.308(a)(1)(ii)(D)", "164.312(b)"}, Evidence: []string{digest}, Detail: "logging is off"},
			{CheckID: "cloudtrail_enabled", AccountID: acct, Region: "us-east-1", ResourceID: acct, Status: ResultUnknown,
				Citations: []string{"164.308(a)(1)(ii)(D)", "164.312(b)"}, Detail: "cloudtrail:DescribeTrails was denied", FailedActions: []string{"cloudtrail:DescribeTrails"}},
			{CheckID: "s3_bucket_default_encryption", AccountID: acct, Region: "us-east-1", ResourceID: "arn:aws:s3:::phi-archive", Status: Excepted,
				Citations: []string{"164.312(a)(2)(iv)"}, Evidence: []string{digest}, ExceptionID: "EX-1"},
			{CheckID: "s3_bucket_default_encryption", AccountID: acct, Region: "us-east-1", ResourceID: "arn:aws:s3:::phi-données", Status: Pass,
				Citations: []string{"164.312(a)(2)(iv)"}, Evidence: []string{digest}},
		},
		Exceptions: []Exception{
			{ID: "EX-1", Check: "s3_bucket_default_encryption", Resources: []string{"arn:aws:s3:::phi-archive"}, Justification: "Legacy archive, migration planned.",
				Owner: "Platform", ApprovedBy: "CISO", ExpiresAt: day(2027, 3, 31), State: ExceptionActive, Matched: 1},
			{ID: "EX-2", Control: "164.312(b)", Justification: "Old.", Owner: "Platform", ApprovedBy: "CISO", ExpiresAt: day(2026, 6, 30), State: ExceptionExpired},
			{ID: "EX-3", Check: "cloudtrail_enabled", Accounts: []string{"999999999999"}, Justification: "Sandbox.", Owner: "Platform", ApprovedBy: "CISO",
				ExpiresAt: day(2027, 6, 30), State: ExceptionUnmatched},
		},
		Evidence: []EvidenceItem{{Digest: digest, Kind: "aws.cloudtrail.trails", Collector: "cloudtrail", AccountID: acct, Region: "us-east-1",
			CollectedAt: time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC), Status: "partial", FailedActions: []string{"cloudtrail:GetEventSelectors"}, Path: "objects/sha256/9f/" + digest + ".json"}},
		NotEvaluated: []NotEvaluated{{ID: "cloudtrail_log_metric_filters_alarms", Title: "Metric filters and alarms on trail logs",
			Citations: []string{"164.312(b)"}, Reason: "CloudWatch metric filters are not collected"}},
		Gaps: []Gap{{Kind: "aws.cloudtrail.trails", AccountID: acct, Region: "us-east-1", State: "partial",
			FailedActions: []string{"cloudtrail:GetEventSelectors (AccessDenied)"}, Evidence: digest}},
		Changes: Changes{PreviousPeriod: "2026-Q3", Items: []Change{
			{Kind: ChangeStatus, Control: "164.308(a)(1)(ii)(D)", Before: "met", After: "not_met"},
			{Kind: ChangeNewFailure, CheckID: "cloudtrail_enabled", AccountID: acct, Region: "eu-west-1", ResourceID: "arn:aws:cloudtrail:eu-west-1:111122223333:trail/main"},
		}},
	}
}
