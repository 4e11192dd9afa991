package kms

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const (
	testAccount = "111122223333"
	testRoot    = "arn:aws:iam::111122223333:root"
	roleAdmin   = "arn:aws:iam::111122223333:role/Admin"
	roleApp     = "arn:aws:iam::111122223333:role/App"
	roleOps     = "arn:aws:iam::111122223333:role/Ops"
)

func mustParse(t *testing.T, text string) *PolicyDocument {
	t.Helper()
	doc, err := ParsePolicy(text)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return doc
}

func principalOf(t *testing.T, a *Access, name string) PrincipalAccess {
	t.Helper()
	for _, p := range a.Principals {
		if p.Principal == name {
			return p
		}
	}
	t.Fatalf("principal %s not in analysis; have %+v", name, a.Principals)
	return PrincipalAccess{}
}

func TestAnalyzeSplit(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		grants []Grant
		// expected lists (sorted)
		admins, users, both, full, fullNonRoot []string
		notes                                  []string
	}{
		{
			name: "account root only (default key policy)",
			policy: `{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions",
				"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`,
			admins: []string{testRoot}, users: []string{testRoot}, both: []string{testRoot},
			full: []string{testRoot}, fullNonRoot: []string{},
		},
		{
			name: "separated admins and users",
			policy: `{"Statement":[
				{"Sid":"Admins","Effect":"Allow","Principal":{"AWS":"` + roleAdmin + `"},
				 "Action":["kms:Create*","kms:Describe*","kms:Enable*","kms:List*","kms:Put*","kms:Update*","kms:Revoke*",
				           "kms:Disable*","kms:Get*","kms:Delete*","kms:TagResource","kms:UntagResource",
				           "kms:ScheduleKeyDeletion","kms:CancelKeyDeletion"],"Resource":"*"},
				{"Sid":"Users","Effect":"Allow","Principal":{"AWS":"` + roleApp + `"},
				 "Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"},
				{"Sid":"Grants","Effect":"Allow","Principal":{"AWS":"` + roleApp + `"},
				 "Action":["kms:CreateGrant","kms:ListGrants","kms:RevokeGrant"],"Resource":"*",
				 "Condition":{"Bool":{"kms:GrantIsForAWSResource":"true"}}}]}`,
			admins: []string{roleAdmin}, users: []string{roleApp}, both: []string{},
			full: []string{}, fullNonRoot: []string{},
		},
		{
			name: "one principal administers and uses",
			policy: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"` + roleOps + `"},
				"Action":["kms:PutKeyPolicy","kms:Decrypt"],"Resource":"*"}]}`,
			admins: []string{roleOps}, users: []string{roleOps}, both: []string{roleOps},
			full: []string{}, fullNonRoot: []string{},
		},
		{
			name:   "kms:* to a role is full access by a non-root principal",
			policy: `{"Statement":{"Effect":"Allow","Principal":{"AWS":"` + roleOps + `"},"Action":"kms:*","Resource":"*"}}`,
			admins: []string{roleOps}, users: []string{roleOps}, both: []string{roleOps},
			full: []string{roleOps}, fullNonRoot: []string{roleOps},
		},
		{
			name:   "action * is every KMS action",
			policy: `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
			admins: []string{"*"}, users: []string{"*"}, both: []string{"*"},
			full: []string{"*"}, fullNonRoot: []string{"*"},
		},
		{
			name: "multiple principals and types; bare account id is the root",
			policy: `{"Statement":[{"Effect":"Allow",
				"Principal":{"AWS":["` + roleApp + `","111122223333"],"Service":"logs.us-east-1.amazonaws.com"},
				"Action":["kms:Encrypt*","kms:Decrypt*","kms:ReEncrypt*","kms:GenerateDataKey*","kms:Describe*"],"Resource":"*"}]}`,
			admins: []string{}, users: []string{roleApp, testRoot, "logs.us-east-1.amazonaws.com"}, both: []string{},
			full: []string{}, fullNonRoot: []string{},
		},
		{
			name: "NotAction covering every use action leaves an administrator only",
			policy: `{"Statement":[{"Sid":"NoCrypto","Effect":"Allow","Principal":{"AWS":"` + roleAdmin + `"},
				"NotAction":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:GenerateMac",
				             "kms:VerifyMac","kms:Sign","kms:Verify","kms:DeriveSharedSecret"],"Resource":"*"}]}`,
			admins: []string{roleAdmin}, users: []string{}, both: []string{},
			full: []string{}, fullNonRoot: []string{},
			notes: []string{"policy:NoCrypto: NotAction expanded against the list of known KMS actions"},
		},
		{
			name: "NotAction that forgets Sign still makes a user",
			policy: `{"Statement":[{"Sid":"Leaky","Effect":"Allow","Principal":{"AWS":"` + roleAdmin + `"},
				"NotAction":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*"],"Resource":"*"}]}`,
			admins: []string{roleAdmin}, users: []string{roleAdmin}, both: []string{roleAdmin},
			full: []string{}, fullNonRoot: []string{},
			notes: []string{"policy:Leaky: NotAction expanded against the list of known KMS actions"},
		},
		{
			name: "NotAction of another service allows every KMS action",
			policy: `{"Statement":[{"Sid":"Odd","Effect":"Allow","Principal":{"AWS":"` + roleOps + `"},
				"NotAction":"iam:*","Resource":"*"}]}`,
			admins: []string{roleOps}, users: []string{roleOps}, both: []string{roleOps},
			full: []string{roleOps}, fullNonRoot: []string{roleOps},
			notes: []string{"policy:Odd: NotAction expanded against the list of known KMS actions"},
		},
		{
			name: "unconditional deny removes use from the administrator",
			policy: `{"Statement":[
				{"Effect":"Allow","Principal":{"AWS":"` + roleAdmin + `"},"Action":"kms:*","Resource":"*"},
				{"Effect":"Deny","Principal":{"AWS":"` + roleAdmin + `"},"Action":["kms:Decrypt","kms:Encrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:Sign","kms:Verify","kms:GenerateMac","kms:VerifyMac","kms:DeriveSharedSecret"],"Resource":"*"}]}`,
			admins: []string{roleAdmin}, users: []string{}, both: []string{},
			full: []string{}, fullNonRoot: []string{},
		},
		{
			name: "conditional deny is not subtracted",
			policy: `{"Statement":[
				{"Effect":"Allow","Principal":{"AWS":"` + roleOps + `"},"Action":["kms:PutKeyPolicy","kms:Decrypt"],"Resource":"*"},
				{"Sid":"MaybeDeny","Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*",
				 "Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}]}`,
			admins: []string{roleOps}, users: []string{roleOps}, both: []string{roleOps},
			full: []string{}, fullNonRoot: []string{},
			notes: []string{"policy:MaybeDeny: conditional Deny not subtracted"},
		},
		{
			name: "deny to everyone applies to every principal",
			policy: `{"Statement":[
				{"Effect":"Allow","Principal":{"AWS":["` + roleOps + `","` + roleApp + `"]},"Action":["kms:PutKeyPolicy","kms:Decrypt"],"Resource":"*"},
				{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*"}]}`,
			admins: []string{roleApp, roleOps}, users: []string{}, both: []string{},
			full: []string{}, fullNonRoot: []string{},
		},
		{
			name: "grant makes an administrator a user",
			policy: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"` + roleAdmin + `"},
				"Action":["kms:Create*","kms:Put*"],"Resource":"*"}]}`,
			grants: []Grant{{GrantID: "g1", GranteePrincipal: roleAdmin, Operations: []string{"kms:Decrypt"}},
				{GrantID: "g2", GranteePrincipal: "dynamodb.amazonaws.com", Operations: []string{"kms:GenerateDataKey"}, Constrained: true}},
			admins: []string{roleAdmin}, users: []string{roleAdmin, "dynamodb.amazonaws.com"}, both: []string{roleAdmin},
			full: []string{}, fullNonRoot: []string{},
		},
		{
			name:   "allow with NotPrincipal is any principal",
			policy: `{"Statement":[{"Sid":"NP","Effect":"Allow","NotPrincipal":{"AWS":"` + roleApp + `"},"Action":"kms:Decrypt","Resource":"*"}]}`,
			admins: []string{}, users: []string{"*"}, both: []string{},
			full: []string{}, fullNonRoot: []string{},
			notes: []string{"policy:NP: Allow with NotPrincipal treated as any principal (\"*\")"},
		},
		{
			name:   "action names are case-insensitive",
			policy: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"` + roleOps + `"},"Action":["KMS:decrypt","kms:SCHEDULEKEYDELETION"],"Resource":"*"}]}`,
			admins: []string{roleOps}, users: []string{roleOps}, both: []string{roleOps},
			full: []string{}, fullNonRoot: []string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Analyze(mustParse(t, tc.policy), tc.grants, testAccount, "aws")
			check := func(field string, got, want []string) {
				t.Helper()
				if want == nil {
					want = []string{}
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			check("administrators", a.Administrators, tc.admins)
			check("users", a.Users, tc.users)
			check("administrators_who_use", a.AdministratorsWhoUse, tc.both)
			check("full_access", a.FullAccess, tc.full)
			check("full_access_non_root", a.FullAccessNonRoot, tc.fullNonRoot)
			check("notes", a.Notes, tc.notes)
			for _, p := range a.Principals {
				if p.AdministersAndUses != slices.Contains(a.AdministratorsWhoUse, p.Principal) {
					t.Errorf("principal %s: administers_and_uses=%v disagrees with the list", p.Principal, p.AdministersAndUses)
				}
			}
		})
	}
}

func TestAnalyzeDetails(t *testing.T) {
	doc := mustParse(t, `{"Statement":[
		{"Sid":"Admins","Effect":"Allow","Principal":{"AWS":"`+roleAdmin+`"},"Action":["kms:Create*","kms:Revoke*"],"Resource":"*"},
		{"Effect":"Allow","Principal":{"AWS":"`+roleApp+`"},"Action":"kms:GenerateDataKey*","Resource":"*",
		 "Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}},
		{"Effect":"Allow","Principal":{"AWS":"`+testRoot+`"},"Action":["kms:Describe*","kms:FutureAction"],"Resource":"*"}]}`)
	a := Analyze(doc, nil, testAccount, "aws")

	admin := principalOf(t, a, roleAdmin)
	if want := []string{"kms:CreateAlias", "kms:CreateCustomKeyStore", "kms:CreateKey"}; !slices.Equal(admin.AdminActions, want) {
		t.Errorf("kms:Create* admin actions = %v, want %v", admin.AdminActions, want)
	}
	if want := []string{"kms:CreateGrant", "kms:RevokeGrant"}; !slices.Equal(admin.GrantActions, want) {
		t.Errorf("grant actions = %v, want %v", admin.GrantActions, want)
	}
	if !slices.Equal(admin.Sources, []string{"policy:Admins"}) || admin.Conditional {
		t.Errorf("sources=%v conditional=%v", admin.Sources, admin.Conditional)
	}

	app := principalOf(t, a, roleApp)
	if want := []string{"kms:GenerateDataKey", "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext", "kms:GenerateDataKeyWithoutPlaintext"}; !slices.Equal(app.UseActions, want) {
		t.Errorf("kms:GenerateDataKey* = %v, want %v", app.UseActions, want)
	}
	if !app.Conditional || !slices.Equal(app.Sources, []string{"policy:#1"}) || app.Administers {
		t.Errorf("app = %+v", app)
	}

	root := principalOf(t, a, testRoot)
	if !root.AccountRoot || root.Wildcard || !slices.Equal(root.OtherActions, []string{"kms:FutureAction"}) || root.Uses {
		t.Errorf("root = %+v", root)
	}
	if !slices.Equal(root.ReadActions, []string{"kms:DescribeCustomKeyStores", "kms:DescribeKey"}) {
		t.Errorf("kms:Describe* = %v", root.ReadActions)
	}
}

func TestParsePolicyNormalises(t *testing.T) {
	doc := mustParse(t, `{
		"Version": "2012-10-17",
		"Statement": {
			"Effect": "Allow",
			"Principal": "*",
			"Action": "kms:Decrypt",
			"Resource": "*",
			"Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}, "Bool": {"aws:SecureTransport": [true, "false"]}}
		}
	}`)
	want := &PolicyDocument{
		Version: "2012-10-17",
		Statement: []Statement{{
			Effect:       "Allow",
			Principal:    map[string][]string{"AWS": {"*"}},
			NotPrincipal: map[string][]string{},
			Action:       []string{"kms:Decrypt"},
			NotAction:    []string{},
			Resource:     []string{"*"},
			NotResource:  []string{},
			Condition: map[string]map[string][]string{
				"NumericLessThan": {"aws:MultiFactorAuthAge": {"3600"}},
				"Bool":            {"aws:SecureTransport": {"true", "false"}},
			},
		}},
	}
	if !reflect.DeepEqual(doc, want) {
		t.Errorf("parsed\n%+v\nwant\n%+v", doc, want)
	}
	b, err := encodePolicy(doc)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, `"Statement":[{`) || !strings.Contains(s, `"Principal":{"AWS":["*"]}`) || strings.Contains(s, "null") {
		t.Errorf("encoding %s: want a list of statements, list-valued principals and no nulls", s)
	}
}

func TestParsePolicyRejects(t *testing.T) {
	tests := []struct {
		name, text string
		want       error
	}{
		{"not json", `{`, ErrMalformedPolicy},
		{"not an object", `["Statement"]`, ErrMalformedPolicy},
		{"trailing data", `{"Statement":[]} {}`, ErrMalformedPolicy},
		{"trailing garbage", `{"Statement":[]}}`, ErrMalformedPolicy},
		{"statement is a string", `{"Statement":"Allow"}`, ErrMalformedPolicy},
		{"statement element is a list", `{"Statement":[["x"]]}`, ErrMalformedPolicy},
		{"action is a number", `{"Statement":[{"Effect":"Allow","Action":7}]}`, ErrMalformedPolicy},
		{"action element is an object", `{"Statement":[{"Effect":"Allow","Action":[{}]}]}`, ErrMalformedPolicy},
		{"principal is a number", `{"Statement":[{"Effect":"Allow","Principal":1}]}`, ErrMalformedPolicy},
		{"condition value is an object", `{"Statement":[{"Condition":{"Bool":{"k":{"x":1}}}}]}`, ErrMalformedPolicy},
		{"condition operator is a list", `{"Statement":[{"Condition":{"Bool":[]}}]}`, ErrMalformedPolicy},
		{"effect is a bool", `{"Statement":[{"Effect":true}]}`, ErrMalformedPolicy},
		{"version is a number", `{"Version":2012}`, ErrMalformedPolicy},
		{"too large", `{"Id":"` + strings.Repeat("a", MaxPolicySize) + `"}`, ErrPolicyTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := ParsePolicy(tc.text)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ParsePolicy = %v, %v; want error %v", doc, err, tc.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	tests := []struct {
		pattern string
		want    []string
	}{
		{"kms:ReEncrypt*", []string{"kms:ReEncryptFrom", "kms:ReEncryptTo"}},
		{"kms:Disable*", []string{"kms:DisableKey", "kms:DisableKeyRotation"}},
		{"kms:*Alias*", []string{"kms:CreateAlias", "kms:DeleteAlias", "kms:ListAliases", "kms:UpdateAlias"}},
		{"kms:Sig?", []string{"kms:Sign"}},
		{"kms:Decrypt", []string{"kms:Decrypt"}},
		{"kms:NotYetInvented", []string{"kms:NotYetInvented"}},
		{"s3:*", nil},
		{"kms:Encrypt*", []string{"kms:Encrypt"}},
		{"", nil},
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			if got := expand(tc.pattern); !slices.Equal(got, tc.want) {
				t.Errorf("expand(%q) = %v, want %v", tc.pattern, got, tc.want)
			}
		})
	}
	if got := len(expand("kms:*")); got != len(KnownActions()) {
		t.Errorf("kms:* expands to %d actions, want all %d", got, len(KnownActions()))
	}
}

func TestCategories(t *testing.T) {
	// Every action the issue names lands where separation of duties needs it.
	for _, a := range []string{"kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:EnableKey", "kms:DisableKey", "kms:UpdateAlias", "kms:TagResource", "kms:DeleteAlias"} {
		if c := CategoryOf(a); c != Admin {
			t.Errorf("%s is %s, want admin", a, c)
		}
	}
	for _, a := range []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:Sign"} {
		if c := CategoryOf(a); c != Use {
			t.Errorf("%s is %s, want use", a, c)
		}
	}
	if c := CategoryOf("kms:Unknown"); c != Other {
		t.Errorf("unknown action is %s, want other", c)
	}
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestAnalyzeGolden pins the normalised policy and its analysis for a key
// policy in the shape the KMS console writes (testdata/console_policy.json),
// as a sample of the evidence checks read.
func TestAnalyzeGolden(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("testdata", "console_policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc := mustParse(t, string(in))
	grants := []Grant{{GrantID: "0123abcd", GranteePrincipal: "arn:aws:iam::111122223333:role/EbsWorker",
		Operations: []string{"kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext"}, Constrained: true, ConstraintKeys: []string{"aws:ebs:id"}}}
	out := struct {
		Policy *PolicyDocument `json:"policy"`
		Access *Access         `json:"access"`
	}{doc, Analyze(doc, grants, testAccount, "aws")}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "console_policy.golden.json")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("analysis differs from %s (run with -update after checking the change):\n%s", path, buf.Bytes())
	}
}
