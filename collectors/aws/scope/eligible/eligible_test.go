package eligible_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/scope/eligible"
)

func TestEmbedded(t *testing.T) {
	l, err := eligible.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if l.Version != 2 || l.ListDate != "2026-05-22" || l.VerifiedOn != "2026-11-29" {
		t.Errorf("version %d list_date %s verified_on %s", l.Version, l.ListDate, l.VerifiedOn)
	}
	// The May 22, 2026 copy lists 173 services.
	if len(l.Services) != 173 {
		t.Errorf("%d services, want 173", len(l.Services))
	}
	added := 0
	for _, s := range l.Services {
		if s.Added != nil {
			added++
		}
	}
	if added != 39 {
		t.Errorf("%d entries marked added, want 39 (31 from the 2025 copy, 8 from the 2026 copy)", added)
	}
	if !strings.Contains(string(eligible.EmbeddedBytes()), "schema: "+eligible.Schema) {
		t.Error("EmbeddedBytes does not return the data file")
	}
}

func TestMatch(t *testing.T) {
	l, err := eligible.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	aliases := map[string]string{"Contoso Storage Line": "Amazon S3 Glacier", "Broken Alias": "Not A Service"}
	tests := []struct {
		name    string
		status  string
		by      string
		entries []string
	}{
		{"Amazon Simple Storage Service", eligible.StatusEligible, eligible.ByCostExplorerName, []string{"Amazon Simple Storage Service (S3)"}},
		{"  amazon   SIMPLE storage service ", eligible.StatusEligible, eligible.ByCostExplorerName, []string{"Amazon Simple Storage Service (S3)"}},
		{"AmazonCloudWatch", eligible.StatusEligible, eligible.ByCostExplorerName, []string{"Amazon CloudWatch", "Amazon CloudWatch Logs"}},
		{"EC2 - Other", eligible.StatusEligible, eligible.ByCostExplorerName, []string{"Amazon Elastic Block Store (Amazon EBS)", "Amazon Elastic Compute Cloud (Amazon EC2)"}},
		{"Amazon Simple Queue Service", eligible.StatusEligible, eligible.ByCostExplorerName, []string{"Amazon Simple Queue Service (SQS)"}},
		{"AWS Key Management Service", eligible.StatusEligible, eligible.ByCostExplorerName, []string{"AWS Key Management Service (KMS)"}},
		{"Amazon Bedrock", eligible.StatusEligible, eligible.ByServiceName, []string{"Amazon Bedrock"}},
		{"AWS Single Sign-On", eligible.StatusEligible, eligible.ByOtherName, []string{"AWS IAM Identity Center"}},
		{"Contoso Storage Line", eligible.StatusEligible, "config_alias", []string{"Amazon S3 Glacier"}},
		{"Tax", eligible.StatusIgnored, eligible.ByIgnoredLine, []string{}},
		{"AWS Support (Enterprise)", eligible.StatusIgnored, eligible.ByIgnoredLine, []string{}},
		{"AWS Cost Explorer", eligible.StatusIgnored, eligible.ByIgnoredLine, []string{}},
		{"AWS RoboMaker", eligible.StatusUnknown, eligible.ByRemovedEntry, []string{}},
		{"Amazon Lightsail", eligible.StatusUnknown, "", []string{}},
		{"Broken Alias", eligible.StatusUnknown, "", []string{}},
		{"", eligible.StatusUnknown, "", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := l.Match(tc.name, aliases)
			if m.Status != tc.status || m.By != tc.by || !reflect.DeepEqual(m.Entries, tc.entries) {
				t.Errorf("Match = %+v, want status %s by %q entries %v", m, tc.status, tc.by, tc.entries)
			}
			if m.Status == eligible.StatusUnknown && m.Reason == "" {
				t.Error("an unknown match must say why")
			}
		})
	}
	if err := l.CheckAliases(aliases); err == nil || !strings.Contains(err.Error(), "Broken Alias") {
		t.Errorf("CheckAliases = %v, want the broken alias reported", err)
	}
	if err := l.CheckAliases(map[string]string{"x": "Amazon DynamoDB"}); err != nil {
		t.Errorf("CheckAliases of a good alias: %v", err)
	}
}

func TestPrefixes(t *testing.T) {
	l, err := eligible.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if got := l.PrefixServices("s3"); len(got) != 1 || got[0] != "Amazon Simple Storage Service (S3)" {
		t.Errorf("s3 → %v", got)
	}
	if got := l.PrefixServices("lightsail"); len(got) != 0 {
		t.Errorf("lightsail → %v", got)
	}
	if !l.IsManagementPrefix("iam") || l.IsManagementPrefix("s3") {
		t.Error("management prefixes are wrong")
	}
}

func TestStaleness(t *testing.T) {
	l, err := eligible.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	verified := l.VerifiedOnTime()
	tests := []struct {
		name  string
		now   time.Time
		age   int
		stale bool
	}{
		{"on the day", verified.Add(12 * time.Hour), 0, false},
		{"before", verified.Add(-48 * time.Hour), 0, false},
		{"180 days", verified.AddDate(0, 0, 180), 180, false},
		{"181 days", verified.AddDate(0, 0, 181), 181, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := l.AgeDays(tc.now); got != tc.age {
				t.Errorf("age %d, want %d", got, tc.age)
			}
			if got := l.Stale(tc.now); got != tc.stale {
				t.Errorf("stale %v, want %v", got, tc.stale)
			}
		})
	}
}

const minimal = `schema: hipaa-evidence/eligible-services/v1
version: 1
title: T
official_url: https://example.com/
list_date: "2026-01-01"
verified_on: "2026-01-02"
stale_after_days: 180
sources:
  - id: s
    title: source
services:
  - name: Amazon DynamoDB
    sources: [s]
`

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, edit, want string
	}{
		{"unknown field", strings.Replace(minimal, "    sources: [s]\n", "    sources: [s]\n    colour: red\n", 1), "test.yaml:14: field colour not found"},
		{"bad yaml", minimal + "  - name: [\n", "test.yaml:"},
		{"wrong type", strings.Replace(minimal, "version: 1", "version: one", 1), "test.yaml:2: "},
		{"wrong schema", strings.Replace(minimal, "/v1", "/v9", 1), "test.yaml:1: schema"},
		{"bad date", strings.Replace(minimal, `list_date: "2026-01-01"`, `list_date: "2026-13-01"`, 1), "test.yaml:5: list_date"},
		{"verified before list", strings.Replace(minimal, `verified_on: "2026-01-02"`, `verified_on: "2025-01-02"`, 1), "test.yaml:6: verified_on"},
		{"unknown source", strings.Replace(minimal, "sources: [s]", "sources: [nope]", 1), "test.yaml:13: service \"Amazon DynamoDB\" names unknown source"},
		{"duplicate service", minimal + "  - name: amazon  dynamodb\n    sources: [s]\n", "test.yaml:14: duplicate service"},
		{"no services", strings.Split(minimal, "services:")[0] + "services: []\n", "test.yaml:11: no services"},
		{"bad prefix", strings.Replace(minimal, "    sources: [s]\n", "    sources: [s]\n    iam_prefixes: [{prefix: \"S3 \", source: s}]\n", 1), "test.yaml:14: service \"Amazon DynamoDB\": \"S3 \" is not an IAM prefix"},
		{"ignored line without reason", minimal + "ignored_cost_lines:\n  - name: Tax\n", "test.yaml:15: an ignored line"},
		{"removed and listed", minimal + "removed:\n  - name: Amazon DynamoDB\n    last_listed_in: s\n    absent_from: s\n", "test.yaml:15: \"Amazon DynamoDB\" is both listed and removed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := eligible.Load([]byte(tc.edit), "test.yaml")
			if !errors.Is(err, eligible.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrInvalid containing %q", err, tc.want)
			}
		})
	}
	if _, err := eligible.Load([]byte(minimal), "test.yaml"); err != nil {
		t.Errorf("minimal list: %v", err)
	}
	if _, err := eligible.Load(make([]byte, eligible.MaxFileSize+1), "big.yaml"); !errors.Is(err, eligible.ErrInvalid) {
		t.Errorf("oversize file: %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add(eligible.EmbeddedBytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := eligible.Load(data, "fuzz.yaml")
		if err != nil {
			if !errors.Is(err, eligible.ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error %v does not name the file", err)
			}
			return
		}
		// A loaded list never calls an unknown name eligible.
		if m := l.Match("\x00 no such service \x00", nil); m.Status == eligible.StatusEligible {
			t.Fatalf("unknown name matched %+v", m)
		}
		for _, s := range l.Services {
			if m := l.Match(s.Name, nil); m.Status == eligible.StatusUnknown {
				t.Fatalf("entry %q does not match itself", s.Name)
			}
		}
	})
}
