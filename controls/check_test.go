package controls

import (
	"strings"
	"testing"
)

const validCheck = `id: t_check
title: Test check
evidence: aws.iam.credential_report
for_each: payload.users
resource: item.arn
applies: item.password_enabled == true
pass: item.mfa_active == true
citations: ["164.312(d)"]
severity: high
remediation: Fix it.
`

func TestParseChecksErrorsNameFileAndLine(t *testing.T) {
	cat := testCatalog(t)
	known := []string{"aws.iam.credential_report", "aws.iam.users"}
	tests := []struct {
		name, yaml, want string
	}{
		{"invalid CEL", strings.Replace(validCheck, "pass: item.mfa_active == true", "pass: item.mfa_active ==", 1), "c.yaml:7: check t_check: pass: invalid CEL"},
		{"unknown evidence kind", strings.Replace(validCheck, "evidence: aws.iam.credential_report", "evidence: aws.iam.credential_reprot", 1), `c.yaml:3: check t_check: unknown evidence kind "aws.iam.credential_reprot"`},
		{"unknown citation", strings.Replace(validCheck, `["164.312(d)"]`, `["164.312(z)"]`, 1), `c.yaml:8: check t_check: unknown citation "164.312(z)"`},
		{"unknown field", validCheck + "colour: red\n", `c.yaml:11: unknown field "colour"`},
		{"repeated field", validCheck + "title: again\n", `c.yaml:11: field "title" is repeated (first at line 2)`},
		{"pass is not a bool", strings.Replace(validCheck, "pass: item.mfa_active == true", "pass: \"'yes'\"", 1), "c.yaml:7: check t_check: pass: CEL expression has type string, want bool"},
		{"undeclared param", strings.Replace(validCheck, "pass: item.mfa_active == true", "pass: size(item.arn) > params.max", 1), "c.yaml:7: check t_check: pass: params.max is not declared under params"},
		{"undeclared var", strings.Replace(validCheck, "pass: item.mfa_active == true", "pass: vars.x", 1), "vars.x is not declared under vars"},
		{"var reads var", validCheck + "vars:\n  a: \"1\"\n  b: vars.a\n", "a var cannot read other vars"},
		{"no pass", strings.Replace(validCheck, "pass: item.mfa_active == true\n", "", 1), "pass (a CEL condition) is required"},
		{"bad severity", strings.Replace(validCheck, "severity: high", "severity: urgent", 1), "c.yaml:9: check t_check: severity must be"},
		{"bad scope", validCheck + "scope: planet\n", "c.yaml:11: check t_check: scope must be resource, account or organization"},
		{"bad id", strings.Replace(validCheck, "id: t_check", "id: T-Check", 1), "c.yaml:1: check id"},
		{"bad basis", validCheck + "citation_basis: vibes\n", "citation_basis must be"},
		{"bad param name", validCheck + "params: {Max: 1}\n", "parameter name"},
		{"unknown join kind", validCheck + "joins: [aws.nothing.here]\n", `unknown evidence kind "aws.nothing.here"`},
		{"bad evidence action", validCheck + "evidence_actions: [ListUsers]\n", "is not service:Action"},
		{"no remediation", strings.Replace(validCheck, "remediation: Fix it.\n", "", 1), "remediation is required"},
		{"repeated id in file", validCheck + "---\n" + validCheck, "c.yaml:12: check t_check is repeated (first at line 1)"},
		{"empty file", "", "no checks in file"},
		{"not a mapping", "- a\n- b\n", "a check must be a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseChecks("c.yaml", []byte(tt.yaml), LoadOptions{Catalog: cat, KnownKinds: known})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	checks, err := ParseChecks("c.yaml", []byte(validCheck+"---\n"+strings.Replace(validCheck, "t_check", "t_other", 1)), LoadOptions{Catalog: cat, KnownKinds: known})
	if err != nil || len(checks) != 2 {
		t.Fatalf("two valid checks in one file: %v, %d", err, len(checks))
	}
}

func TestCheckSetRejectsDuplicatesAcrossFiles(t *testing.T) {
	cat := testCatalog(t)
	s := NewCheckSet()
	if err := s.Add("a.yaml", []byte(validCheck), LoadOptions{Catalog: cat}); err != nil {
		t.Fatal(err)
	}
	err := s.Add("plugin/x/b.yaml", []byte(validCheck), LoadOptions{Catalog: cat})
	if err == nil || !strings.Contains(err.Error(), "plugin/x/b.yaml:1: check t_check is already defined in a.yaml:1") {
		t.Fatalf("error %v", err)
	}
	if err := s.Add("a.yaml", []byte(strings.Replace(validCheck, "t_check", "t_two", 1)), LoadOptions{Catalog: cat}); err == nil {
		t.Error("the same file name loaded twice")
	}
}

func TestParamOverrides(t *testing.T) {
	cat := testCatalog(t)
	src := validCheck + "params:\n  max_age: 90\n  ratio: 0.5\n  names: [a]\n"
	load := func(p map[string]ParamOverride) (*Check, error) {
		cs, err := ParseChecks("c.yaml", []byte(src), LoadOptions{Catalog: cat, Params: map[string]map[string]ParamOverride{"t_check": p}})
		if err != nil {
			return nil, err
		}
		return cs[0], nil
	}
	c, err := load(map[string]ParamOverride{"max_age": {Value: 30, File: "cfg.yaml", Line: 7}, "ratio": {Value: 1, File: "cfg.yaml", Line: 8}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Params["max_age"] != int64(30) || c.Params["ratio"] != float64(1) || len(c.Params["names"].([]any)) != 1 {
		t.Errorf("params %v", c.Params)
	}
	if _, err := load(map[string]ParamOverride{"max_agee": {Value: 30, File: "cfg.yaml", Line: 7}}); err == nil || !strings.Contains(err.Error(), `cfg.yaml:7: check t_check has no parameter "max_agee"`) {
		t.Errorf("unknown parameter: %v", err)
	}
	if _, err := load(map[string]ParamOverride{"max_age": {Value: "ninety", File: "cfg.yaml", Line: 9}}); err == nil || !strings.Contains(err.Error(), "cfg.yaml:9: check t_check parameter max_age must be an integer") {
		t.Errorf("wrong type: %v", err)
	}
	s := NewCheckSet()
	if err := s.Add("c.yaml", []byte(src), LoadOptions{Catalog: cat}); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckOverrides(map[string]map[string]ParamOverride{"no_such_check": {"x": {Value: 1, File: "cfg.yaml", Line: 3}}}); err == nil ||
		!strings.Contains(err.Error(), `cfg.yaml:3: parameters for unknown check "no_such_check"`) {
		t.Errorf("unknown check: %v", err)
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		p, s string
		want bool
	}{
		{"*", "kms:Decrypt", true},
		{"kms:*", "kms:Decrypt", true},
		{"KMS:decrypt", "kms:Decrypt", true},
		{"kms:Re*", "kms:ReEncryptFrom", true},
		{"kms:Re*", "kms:Decrypt", false},
		{"kms:?ecrypt", "kms:Decrypt", true},
		{"s3:Get*Acl", "s3:GetBucketAcl", true},
		{"s3:Get*Acl", "s3:GetBucketPolicy", false},
		{"arn:aws:s3:::logs-*", "arn:aws:s3:::logs-2026", true},
		{"", "", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
	}
	for _, tt := range tests {
		if got := Glob(tt.p, tt.s); got != tt.want {
			t.Errorf("Glob(%q, %q) = %v", tt.p, tt.s, got)
		}
	}
}
