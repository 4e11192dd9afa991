package controls

import "testing"

func TestSmoke(t *testing.T) {
	cat := testCatalog(t)
	set := checksFrom(t, cat, map[string]string{"t.yaml": `
id: console_mfa
title: Console users have MFA
evidence: aws.iam.credential_report
for_each: payload.users
resource: item.arn
applies: item.password_enabled
pass: item.mfa_active
citations: ["164.312(d)"]
severity: high
remediation: Enable MFA.
`})
	users := map[string]any{"users": []any{
		map[string]any{"arn": "arn:aws:iam::111111111111:user/a", "password_enabled": true, "mfa_active": true},
		map[string]any{"arn": "arn:aws:iam::111111111111:user/b", "password_enabled": true, "mfa_active": false},
		map[string]any{"arn": "arn:aws:iam::111111111111:user/c", "password_enabled": false, "mfa_active": false},
	}}
	in := &Inputs{Catalog: cat, Checks: set, Run: runInfo("111111111111", "222222222222"),
		Snapshots: []SnapshotData{
			mkSnap(t, "aws.iam.credential_report", "111111111111", "global", "", users),
			mkSnap(t, "aws.iam.credential_report", "222222222222", "global", "", map[string]any{}, denied("iam:GetCredentialReport")),
		}}
	r := evaluate(t, in)
	b, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", b[:min(len(b), 6000)])
	for _, x := range r.Results {
		t.Logf("%s %s %s %s %s %v", x.CheckID, x.AccountID, x.ResourceID, x.Status, x.Detail, x.FailedActions)
	}
	t.Logf("%+v", control(t, r, "164.312(d)"))
}
