package demo

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// owners replaces the starter ownership matrix's placeholder roles with
// Example Health's people and teams.
var owners = []struct{ role, name string }{
	{"Security Officer", "Priya Raman (Security Officer)"},
	{"Compliance Manager", "Tom Becker (Compliance)"},
	{"Cloud Platform Engineering", "Platform Engineering"},
	{"Security Operations", "SecOps on-call"},
	{"Privacy Officer", "Maria Lopez (Privacy Officer)"},
	{"Legal (contracts)", "Legal (vendor contracts)"},
}

// ownershipGaps are the entries whose owner Example Health has not named
// yet: the report lists them as ownership gaps.
var ownershipGaps = []struct{ id, field string }{
	{"164.308(a)(6)(ii)", "monitor"},
	{"164.312(c)(2)", "build"},
}

// notApplicable are the entries that do not apply to Example Health, a
// clinic (a covered entity that is neither a clearinghouse, a government
// body nor a group health plan), with the justification the matrix records.
var notApplicable = []struct{ id, why string }{
	{"164.308(a)(4)(ii)(A)", "Example Health is not a health care clearinghouse."},
	{"164.314(a)(2)(ii)", "Example Health is not a governmental entity."},
	{"164.314(b)(1)", "Example Health does not sponsor a group health plan."},
	{"164.314(b)(2)(i)", "Example Health does not sponsor a group health plan."},
	{"164.314(b)(2)(ii)", "Example Health does not sponsor a group health plan."},
	{"164.314(b)(2)(iii)", "Example Health does not sponsor a group health plan."},
	{"164.314(b)(2)(iv)", "Example Health does not sponsor a group health plan."},
}

// Ownership returns the sample organization's ownership matrix: the starter
// matrix (every catalog entry, physical safeguards inherited from AWS) with
// Example Health's owners, two owners not yet named, and the entries that do
// not apply to a clinic marked not applicable with their justification.
func Ownership(starter []byte) ([]byte, error) {
	out := string(starter)
	for _, o := range owners {
		out = strings.ReplaceAll(out, ": "+o.role+"\n", ": "+o.name+"\n")
	}
	lines := strings.Split(out, "\n")
	entry := func(id string) (int, error) {
		for i, l := range lines {
			if strings.TrimSpace(l) == "- id: "+id {
				return i, nil
			}
		}
		return -1, fmt.Errorf("demo ownership matrix: the starter has no entry %s", id)
	}
	for _, na := range notApplicable {
		at, err := entry(na.id)
		if err != nil {
			return nil, err
		}
		indent := strings.Repeat(" ", len(lines[at])-len(strings.TrimLeft(lines[at], " "))+2)
		lines = append(lines[:at+1], append([]string{indent + "not_applicable: " + na.why}, lines[at+1:]...)...)
	}
	for _, g := range ownershipGaps {
		at, err := entry(g.id)
		if err != nil {
			return nil, err
		}
		done := false
		for i := at + 1; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "- id:"); i++ {
			if strings.HasPrefix(strings.TrimSpace(lines[i]), g.field+":") {
				indent := lines[i][:len(lines[i])-len(strings.TrimLeft(lines[i], " "))]
				lines[i] = indent + g.field + `: ""   # not named yet`
				done = true
				break
			}
		}
		if !done {
			return nil, fmt.Errorf("demo ownership matrix: entry %s has no %s", g.id, g.field)
		}
	}
	var b bytes.Buffer
	b.WriteString("# Example Health's ownership matrix (demo sample data), from the starter matrix.\n")
	b.WriteString(strings.Join(lines, "\n"))
	return b.Bytes(), nil
}

// Exceptions returns the sample organization's exceptions register: one
// approved, in-date exception for the ETL service's old access key in
// clinic-prod, and one that lapsed before the period ended (the sandbox's
// key without rotation), which is flagged and counts as a failure again.
func Exceptions(o *Organization, period Period) ([]byte, error) {
	clinic, sandbox := o.member("clinic-prod"), o.member("sandbox")
	if clinic == nil || sandbox == nil {
		return nil, fmt.Errorf("demo exceptions register: the organization lacks clinic-prod or sandbox")
	}
	day := func(t time.Time) string { return t.UTC().Format(time.DateOnly) }
	approved := period.Start.AddDate(0, 0, 4)
	return []byte(fmt.Sprintf(`# Example Health's exceptions register (demo sample data).
schema_version: 1
exceptions:
  - id: EX-%[1]d-014
    check: iam_access_keys_rotated
    scope:
      accounts: ["%[2]s"]
      resources: ["arn:aws:iam::%[2]s:user/service/etl-service"]
    justification: >-
      The ETL vendor's connector takes one static key and is replaced at the January
      cut-over; the key can only read and write the records bucket (compensating control CC-3).
    owner: Platform Engineering
    approved_by: Priya Raman (Security Officer)
    approved_at: %[3]s
    expires_at: %[4]s
  - id: EX-%[1]d-003
    check: kms_cmk_rotation_enabled
    scope:
      accounts: ["%[5]s"]
    justification: Sandbox keys hold no PHI; rotation to be enabled by the new sandbox baseline.
    owner: Platform Engineering
    approved_by: Priya Raman (Security Officer)
    approved_at: %[6]s
    expires_at: %[7]s
`, period.Start.Year(), clinic.ID, day(approved), day(period.End.AddDate(0, 1, 0)),
		sandbox.ID, day(period.Start.AddDate(0, -5, 0)), day(period.Start.AddDate(0, 0, -1)))), nil
}

// member returns the member account named name, or nil.
func (o *Organization) member(name string) *Account {
	for _, a := range o.Members {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// Attachment is a document the demo attaches as manual evidence.
type Attachment struct {
	// Control is the catalog entry.
	Control string
	// FileName is the document's name.
	FileName string
	// Note says what it is.
	Note string
	// ValidUntil is the last day it counts (YYYY-MM-DD), or "".
	ValidUntil string
	// Data is the document.
	Data []byte
}

// sampleDocument is the text of a made-up document.
func sampleDocument(title, body string) []byte {
	return []byte("DEMO SAMPLE DOCUMENT -- made up for the hipaa-evidence demo; it is not a real document.\n\n" +
		"Example Health -- " + title + "\n\n" + body + "\n")
}

// Attachments returns the manual evidence Example Health has on file: AWS's
// audit report for every entry the ownership matrix assigns to AWS (awsIDs),
// a few policies, plans and agreements, and one record that lapsed before
// the period (security reminders), which therefore does not count.
func Attachments(awsIDs []string, period Period) []Attachment {
	day := func(t time.Time) string { return t.UTC().Format(time.DateOnly) }
	nextYear := day(period.End.AddDate(1, 0, 0))
	var out []Attachment
	soc := sampleDocument("AWS SOC 2 Type II report (placeholder)",
		"Stands in for the AWS SOC 2 Type II report downloaded from AWS Artifact, which covers the\n"+
			"physical and environmental safeguards of AWS data centres that Example Health inherits.")
	for _, id := range awsIDs {
		out = append(out, Attachment{Control: id, FileName: "aws-soc2-type2-placeholder.txt", Data: soc,
			Note: "AWS SOC 2 Type II (demo placeholder for the report from AWS Artifact)", ValidUntil: nextYear})
	}
	docs := []struct{ id, file, title, body, valid string }{
		{"164.308(a)(1)(ii)(A)", "risk-analysis.txt", "Risk analysis", "Scope: the AWS organization and the clinic's records application. Method: NIST SP 800-30.", nextYear},
		{"164.308(a)(1)(ii)(C)", "sanction-policy.txt", "Sanction policy", "Violations of security policy lead to retraining, suspension of access or dismissal.", ""},
		{"164.308(a)(2)", "security-official.txt", "Designation of the security official", "Priya Raman is the security official, designated by the board.", ""},
		{"164.308(a)(7)(ii)(A)", "backup-plan.txt", "Data backup plan", "Records database snapshots every hour, kept 35 days; S3 versioning on PHI buckets.", nextYear},
		{"164.308(a)(7)(ii)(B)", "disaster-recovery-plan.txt", "Disaster recovery plan", "Restore in us-west-2 from snapshots and the DR key; target 8 hours.", nextYear},
		{"164.308(b)(3)", "business-associate-agreements.txt", "Business associate agreements", "The AWS BAA (accepted for the organization in AWS Artifact) and the EHR vendor's BAA.", ""},
		{"164.314(a)(2)(i)", "baa-terms-review.txt", "BAA terms review", "Legal reviewed both BAAs against 164.314(a)(2)(i).", nextYear},
		{"164.316(a)", "security-policies.txt", "Security policies and procedures", "Index of the policies in force and their owners.", ""},
		{"164.316(b)(2)(i)", "retention-policy.txt", "Documentation retention policy", "Security documentation is kept six years from creation or last effective date.", ""},
		// Out of date: last year's reminders do not evidence this period.
		{"164.308(a)(5)(ii)(A)", "security-reminders-last-year.txt", "Security reminders", "Monthly phishing reminders, January to December of last year.", day(period.Start.AddDate(0, 0, -1))},
	}
	for _, d := range docs {
		out = append(out, Attachment{Control: d.id, FileName: d.file, Note: d.title + " (demo sample)", ValidUntil: d.valid,
			Data: sampleDocument(d.title, d.body)})
	}
	return out
}
