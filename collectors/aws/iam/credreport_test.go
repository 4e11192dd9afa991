package iam

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseBool(t *testing.T) {
	tests := []struct {
		in      string
		want    string // "true", "false", "null"
		wantErr bool
	}{
		{"true", "true", false},
		{"TRUE", "true", false},
		{"false", "false", false},
		{"FALSE", "false", false},
		{" true ", "true", false},
		{"N/A", "null", false},
		{"not_supported", "null", false},
		{"no_information", "null", false},
		{"", "null", false},
		{"yes", "", true},
		{"1", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseBool(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("ParseBool(%q) = %v, want an error", tc.in, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := "null"
			if got != nil {
				s = map[bool]string{true: "true", false: "false"}[*got]
			}
			if s != tc.want {
				t.Errorf("ParseBool(%q) = %s, want %s", tc.in, s, tc.want)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string // RFC 3339 or "null"
		wantErr bool
	}{
		{"offset form IAM writes", "2026-10-08T17:07:36+00:00", "2026-10-08T17:07:36Z", false},
		{"zulu", "2026-10-08T17:07:36Z", "2026-10-08T17:07:36Z", false},
		{"other offset to UTC", "2026-10-08T19:07:36+02:00", "2026-10-08T17:07:36Z", false},
		{"fraction truncated", "2026-10-08T17:07:36.999Z", "2026-10-08T17:07:36Z", false},
		{"N/A", "N/A", "null", false},
		{"no_information", "no_information", "null", false},
		{"not_supported", "not_supported", "null", false},
		{"date only", "2026-10-08", "", true},
		{"garbage", "yesterday", "", true},
		// Year 0 at +01:00 is year -1 in UTC, which JSON cannot encode: the
		// whole snapshot would fail to marshal (found by the fuzzer).
		{"before year 0 in UTC", "0000-01-01T00:00:00+01:00", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTime(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("ParseTime(%q) = %v, want an error", tc.in, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := "null"
			if got != nil {
				s = got.Format(time.RFC3339)
			}
			if s != tc.want {
				t.Errorf("ParseTime(%q) = %s, want %s", tc.in, s, tc.want)
			}
		})
	}
}

// header is the credential report header as IAM documents it.
const header = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated"

const rootRow = "<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2026-11-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"

const aliceRow = "alice,arn:aws:iam::123456789012:user/alice,2026-01-02T03:04:05+00:00,true,no_information,2026-01-02T03:04:05+00:00,N/A,false,true,2026-02-01T00:00:00+00:00,2026-11-20T08:30:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"

func TestParseCredentialReport(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		users    []string
		root     bool
		problems int
		check    func(t *testing.T, r *CredentialReport)
	}{
		{
			name: "root separately, users sorted, typed fields", root: true, users: []string{"alice", "bob"},
			in: header + "\n" + rootRow + "\n" + strings.Replace(aliceRow, "alice", "bob", 2) + "\n" + aliceRow + "\n",
			check: func(t *testing.T, r *CredentialReport) {
				a := r.Users[0]
				if a.PasswordEnabled == nil || !*a.PasswordEnabled || a.PasswordLastUsed != nil || a.PasswordNextRotation != nil ||
					a.MFAActive == nil || *a.MFAActive || a.AccessKey1LastUsedService == nil || *a.AccessKey1LastUsedService != "s3" ||
					a.AccessKey2LastUsedService != nil || a.AccessKey1LastRotated == nil || a.AccessKey1LastRotated.Format(time.RFC3339) != "2026-02-01T00:00:00Z" {
					t.Errorf("alice %+v", a)
				}
				if r.Root.PasswordEnabled != nil || r.Root.PasswordLastChanged != nil || r.Root.MFAActive == nil || !*r.Root.MFAActive {
					t.Errorf("root %+v", r.Root)
				}
				if len(r.Columns) != 22 {
					t.Errorf("columns %v", r.Columns)
				}
			},
		},
		{
			name: "CRLF line endings and a byte order mark", root: true, users: []string{"alice"},
			in: "\ufeff" + header + "\r\n" + rootRow + "\r\n" + aliceRow + "\r\n",
		},
		{
			name: "columns found by name in any order; missing columns are null", users: []string{"alice"},
			in: "mfa_active,arn,user\ntrue,arn:aws:iam::1:user/alice,alice\n",
			check: func(t *testing.T, r *CredentialReport) {
				a := r.Users[0]
				if a.ARN != "arn:aws:iam::1:user/alice" || a.MFAActive == nil || !*a.MFAActive || a.PasswordEnabled != nil {
					t.Errorf("alice %+v", a)
				}
			},
		},
		{
			name: "unknown extra columns are ignored", users: []string{"alice"},
			in: "user,arn,future_column,mfa_active\nalice,a,whatever,true\n",
		},
		{
			name: "quoted field with a comma", users: []string{"a,b"},
			in: "user,arn\n\"a,b\",arn\n",
		},
		{
			name: "malformed fields are problems and null", users: []string{"alice"}, problems: 2,
			in: "user,arn,mfa_active,user_creation_time\nalice,a,maybe,last tuesday\n",
			check: func(t *testing.T, r *CredentialReport) {
				if r.Users[0].MFAActive != nil || r.Users[0].UserCreationTime != nil {
					t.Errorf("malformed fields kept: %+v", r.Users[0])
				}
			},
		},
		{
			name: "short row is a problem, its fields null", users: []string{"alice"}, problems: 1,
			in: "user,arn,mfa_active\nalice,a\n",
		},
		{
			name: "row without a user name is skipped", users: []string{"alice"}, problems: 1,
			in: "user,arn\n,arn:x\nalice,a\n",
		},
		{
			name: "repeated root row is skipped", root: true, users: []string{}, problems: 1,
			in: "user,arn\n<root_account>,r1\n<root_account>,r2\n",
			check: func(t *testing.T, r *CredentialReport) {
				if r.Root.ARN != "r1" {
					t.Errorf("root %+v", r.Root)
				}
			},
		},
		{
			name: "many problems are bounded", users: []string{"alice"}, problems: maxReportProblems + 1,
			in: "user,arn" + strings.Repeat(",mfa_active", 30) + "\nalice,a" + strings.Repeat(",x", 30) + "\n",
		},
		{
			name: "header only", users: []string{},
			in: header + "\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, problems, err := ParseCredentialReport([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) != tc.problems {
				t.Errorf("problems %q, want %d", problems, tc.problems)
			}
			var names []string
			for _, u := range r.Users {
				names = append(names, u.User)
			}
			if strings.Join(names, "|") != strings.Join(tc.users, "|") {
				t.Errorf("users %v, want %v", names, tc.users)
			}
			if (r.Root != nil) != tc.root {
				t.Errorf("root %+v, want present=%v", r.Root, tc.root)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

func TestParseCredentialReportRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"no arn column", "user,mfa_active\nalice,true\n"},
		{"no user column", "arn\na\n"},
		{"bare quote", "user,arn\n\"alice,a\n"},
		{"oversize", strings.Repeat("x", maxReportSize+1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := ParseCredentialReport([]byte(tc.in)); !errors.Is(err, ErrCredentialReport) {
				t.Errorf("err = %v, want ErrCredentialReport", err)
			}
		})
	}
}

// FuzzParseCredentialReport feeds arbitrary bytes to the parser: it must not
// panic, and whatever it accepts must encode to JSON with sorted users and
// every field typed (no null marker may survive as a string).
func FuzzParseCredentialReport(f *testing.F) {
	f.Add([]byte(header + "\n" + rootRow + "\n" + aliceRow + "\n"))
	f.Add([]byte("user,arn\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, problems, err := ParseCredentialReport(data)
		if err != nil {
			if r != nil || problems != nil {
				t.Fatal("an error came with a result")
			}
			return
		}
		if len(problems) > maxReportProblems+1 {
			t.Fatalf("%d problems exceed the bound", len(problems))
		}
		for i := 1; i < len(r.Users); i++ {
			if r.Users[i-1].User > r.Users[i].User {
				t.Fatal("users are not sorted")
			}
		}
		for _, u := range r.Users {
			if u.User == "" || u.User == RootUser {
				t.Fatalf("bad user row %+v", u)
			}
			for _, s := range []*string{u.AccessKey1LastUsedRegion, u.AccessKey1LastUsedService, u.AccessKey2LastUsedRegion, u.AccessKey2LastUsedService} {
				if s != nil && isNull(*s) {
					t.Fatalf("null marker %q kept as a value", *s)
				}
			}
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("marshal: %v", err)
		}
	})
}

// FuzzNormalizePolicy: no panic, and an accepted document re-normalises to
// itself (normalisation is idempotent).
func FuzzNormalizePolicy(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`)
	f.Add(`%7B%22Statement%22%3A%5B%5D%7D`)
	f.Add(`{"Statement":[{"Effect":"Deny","Principal":"*","Condition":{"Bool":{"k":true}}}]}`)
	f.Fuzz(func(t *testing.T, in string) {
		doc, err := NormalizePolicy(in)
		if err != nil {
			return
		}
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := NormalizePolicy(string(b))
		if err != nil {
			t.Fatalf("normalised document %s does not parse: %v", b, err)
		}
		b2, err := json.Marshal(again)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != string(b2) {
			t.Fatalf("not idempotent:\n%s\n%s", b, b2)
		}
	})
}
