package iampolicy_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iampolicy"
)

func TestParseNormalises(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want iampolicy.Statement
	}{
		{
			name: "string forms become lists",
			doc:  `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`,
			want: iampolicy.Statement{Effect: "Allow", Principal: map[string][]string{"AWS": {"*"}}, NotPrincipal: map[string][]string{},
				Action: []string{"s3:GetObject"}, NotAction: []string{}, Resource: []string{"arn:aws:s3:::b/*"}, NotResource: []string{},
				Condition: map[string]map[string][]string{}},
		},
		{
			name: "condition scalars become strings",
			doc:  `{"Statement":[{"Sid":"x","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"NotAction":["iam:*"],"NotResource":"*","Condition":{"Bool":{"aws:SecureTransport":false},"NumericLessThan":{"s3:TlsVersion":1.2},"StringEquals":{"aws:PrincipalTag/team":["a","b"]}}}]}`,
			want: iampolicy.Statement{Sid: "x", Effect: "Deny", Principal: map[string][]string{}, NotPrincipal: map[string][]string{"AWS": {"arn:aws:iam::111122223333:root"}},
				Action: []string{}, NotAction: []string{"iam:*"}, Resource: []string{}, NotResource: []string{"*"},
				Condition: map[string]map[string][]string{"Bool": {"aws:SecureTransport": {"false"}}, "NumericLessThan": {"s3:TlsVersion": {"1.2"}}, "StringEquals": {"aws:PrincipalTag/team": {"a", "b"}}}},
		},
		{
			name: "url-encoded document",
			doc:  `%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22kms%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%7D`,
			want: iampolicy.Statement{Effect: "Allow", Principal: map[string][]string{}, NotPrincipal: map[string][]string{},
				Action: []string{"kms:*"}, NotAction: []string{}, Resource: []string{"*"}, NotResource: []string{},
				Condition: map[string]map[string][]string{}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := iampolicy.Parse([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Statement) != 1 || !reflect.DeepEqual(d.Statement[0], tc.want) {
				t.Errorf("got %+v\nwant %+v", d.Statement, tc.want)
			}
			// Every element is present in the JSON form.
			raw, err := json.Marshal(d.Statement[0])
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"} {
				if !strings.Contains(string(raw), `"`+k+`":`) {
					t.Errorf("JSON form lacks %s: %s", k, raw)
				}
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := map[string]string{
		"not json":          `{`,
		"no statement":      `{"Version":"2012-10-17"}`,
		"unknown element":   `{"Statement":[],"Extra":1}`,
		"bad effect":        `{"Statement":{"Effect":"Maybe","Action":"*"}}`,
		"statement element": `{"Statement":{"Effect":"Allow","Actions":"*"}}`,
		"action number":     `{"Statement":{"Effect":"Allow","Action":3}}`,
		"principal string":  `{"Statement":{"Effect":"Allow","Principal":"arn:aws:iam::1:root"}}`,
		"condition shape":   `{"Statement":{"Effect":"Allow","Condition":{"Bool":"x"}}}`,
		"condition object":  `{"Statement":{"Effect":"Allow","Condition":{"Bool":{"k":{"a":1}}}}}`,
		"statement scalar":  `{"Statement":"x"}`,
		"null statement":    `{"Statement":[null]}`,
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := iampolicy.Parse([]byte(doc)); !errors.Is(err, iampolicy.ErrMalformed) {
				t.Errorf("error %v, want ErrMalformed", err)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		big := make([]byte, iampolicy.MaxDocumentSize+1)
		if _, err := iampolicy.Parse(big); !errors.Is(err, iampolicy.ErrTooLarge) {
			t.Errorf("error %v, want ErrTooLarge", err)
		}
	})
}

// TestParseWith checks each option against a document Parse reads
// otherwise: with the option the document gives want (its statements' JSON,
// or "error"); without it, Parse gives another outcome.
func TestParseWith(t *testing.T) {
	anyEffect := func(string) bool { return true }
	tests := []struct {
		name string
		opts iampolicy.Options
		doc  string
		want string
	}{
		{"verbatim does not URL-decode", iampolicy.Options{Verbatim: true}, `%7B%22Statement%22%3A%5B%5D%7D`, "error"},
		{"verbatim does not trim", iampolicy.Options{Verbatim: true}, "\u00a0{\"Statement\":[]}", "error"},
		{"ignore unknown elements", iampolicy.Options{IgnoreUnknown: true}, `{"Statement":[{"Effect":"Allow","Extra":1}],"Other":2}`,
			`[{"Sid":"","Effect":"Allow","Principal":{},"NotPrincipal":{},"Action":[],"NotAction":[],"Resource":[],"NotResource":[],"Condition":{}}]`},
		{"optional statement", iampolicy.Options{OptionalStatement: true}, `{"Version":"2012-10-17"}`, `[]`},
		{"any string principal", iampolicy.Options{AnyStringPrincipal: true}, `{"Statement":{"Effect":"Deny","Principal":"111122223333"}}`,
			`[{"Sid":"","Effect":"Deny","Principal":{"AWS":["111122223333"]},"NotPrincipal":{},"Action":[],"NotAction":[],"Resource":[],"NotResource":[],"Condition":{}}]`},
		{"accept effect", iampolicy.Options{AcceptEffect: anyEffect}, `{"Statement":{"Effect":"Maybe"}}`,
			`[{"Sid":"","Effect":"Maybe","Principal":{},"NotPrincipal":{},"Action":[],"NotAction":[],"Resource":[],"NotResource":[],"Condition":{}}]`},
		{"accept effect rejects", iampolicy.Options{AcceptEffect: func(e string) bool { return e == "Deny" }}, `{"Statement":{"Effect":"Allow"}}`, "error"},
		{"unbounded statements", iampolicy.Options{MaxStatements: -1}, `{"Statement":[` + strings.Repeat(`{"Effect":"Allow"},`, 10000) + `{"Effect":"Allow"}]}`, "10001 statements"},
		{"smaller bound", iampolicy.Options{MaxStatements: 1}, `{"Statement":[{"Effect":"Allow"},{"Effect":"Deny"}]}`, "error"},
		{"nulls as absent", iampolicy.Options{Nulls: iampolicy.NullsAsAbsent, OptionalStatement: true},
			`{"Version":null,"Statement":[{"Effect":"Allow","Principal":null,"NotPrincipal":{"AWS":null},"Action":null,"Condition":null}]}`,
			`[{"Sid":"","Effect":"Allow","Principal":{},"NotPrincipal":{"AWS":[]},"Action":[],"NotAction":[],"Resource":[],"NotResource":[],"Condition":{}}]`},
		{"nulls as absent: null statement", iampolicy.Options{Nulls: iampolicy.NullsAsAbsent, OptionalStatement: true}, `{"Statement":null}`, `[]`},
		{"nulls as absent: null in a list", iampolicy.Options{Nulls: iampolicy.NullsAsAbsent}, `{"Statement":{"Effect":"Allow","Action":["a",null]}}`, "error"},
		{"nulls as absent: null operator", iampolicy.Options{Nulls: iampolicy.NullsAsAbsent}, `{"Statement":{"Effect":"Allow","Condition":{"Bool":null}}}`, "error"},
		{"nulls as empty lists", iampolicy.Options{Nulls: iampolicy.NullsAsEmptyLists},
			`{"Statement":[{"Effect":"Allow","Action":null,"Principal":{"AWS":null},"Condition":{"Bool":{"k":null}}}]}`,
			`[{"Sid":"","Effect":"Allow","Principal":{"AWS":[]},"NotPrincipal":{},"Action":[],"NotAction":[],"Resource":[],"NotResource":[],"Condition":{"Bool":{"k":[]}}}]`},
		{"nulls as empty lists: null string", iampolicy.Options{Nulls: iampolicy.NullsAsEmptyLists}, `{"Version":null,"Statement":[]}`, "error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			render := func(d *iampolicy.Document, err error) string {
				t.Helper()
				if err != nil {
					if !errors.Is(err, iampolicy.ErrMalformed) {
						t.Fatalf("error %v does not wrap ErrMalformed", err)
					}
					return "error"
				}
				if len(d.Statement) > 10000 {
					return fmt.Sprintf("%d statements", len(d.Statement))
				}
				b, err := json.Marshal(d.Statement)
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
			got := render(iampolicy.ParseWith([]byte(tc.doc), tc.opts))
			if got != tc.want {
				t.Errorf("ParseWith = %s\nwant %s", got, tc.want)
			}
			if plain := render(iampolicy.Parse([]byte(tc.doc))); plain == got {
				t.Errorf("Parse gives the same %s: the case does not test the option", plain)
			}
		})
	}
	t.Run("optional statement still needs an object", func(t *testing.T) {
		if _, err := iampolicy.ParseWith([]byte(`null`), iampolicy.Options{OptionalStatement: true}); !errors.Is(err, iampolicy.ErrMalformed) {
			t.Errorf("error %v, want ErrMalformed", err)
		}
	})
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, value string
		want, fold     bool
	}{
		{"*", "anything", true, true},
		{"arn:aws:s3:::b", "arn:aws:s3:::b", true, true},
		{"arn:aws:s3:::b*", "arn:aws:s3:::bucket", true, true},
		{"arn:aws:s3:::b?", "arn:aws:s3:::b", false, false},
		{"arn:aws:s3:::B", "arn:aws:s3:::b", false, true},
		{"s3:Get*", "s3:getobject", false, true},
		{"a*b*c", "aXXbYYc", true, true},
		{"a*b*c", "aXXbYY", false, false},
		{"*", "", true, true},
		{"a*b", "ab", true, true},
		{"a*b", "axxb", true, true},
		{"a*b", "axxbc", false, false},
		{"a?c", "abc", true, true},
		{"a?c", "ac", false, false},
		{"**a**", "xxaxx", true, true},
		{"a*a*a*a*b", strings.Repeat("a", 200), false, false},
	}
	for _, tc := range tests {
		if got := iampolicy.Match(tc.pattern, tc.value); got != tc.want {
			t.Errorf("Match(%q, %q) = %v", tc.pattern, tc.value, got)
		}
		if got := iampolicy.MatchFold(tc.pattern, tc.value); got != tc.fold {
			t.Errorf("MatchFold(%q, %q) = %v", tc.pattern, tc.value, got)
		}
	}
}

func TestCoversAllWithPrefix(t *testing.T) {
	const objects = "arn:aws:s3:::b/"
	tests := []struct {
		pattern string
		want    bool
	}{
		{"*", true},
		{"arn:aws:s3:::b/*", true},
		{"arn:aws:s3:::b*", true},
		{"arn:aws:s3:::*/*", true},
		{"arn:*:s3:::b/*", true},
		{"arn:aws:s3:::b/a*", false},
		{"arn:aws:s3:::b/*.txt", false},
		{"arn:aws:s3:::b", false},
		{"arn:aws:s3:::c/*", false},
		{"arn:aws:s3:::b/?*", false}, // conservative: keys are never empty, but it is not proven
	}
	for _, tc := range tests {
		if got := iampolicy.CoversAllWithPrefix(tc.pattern, objects); got != tc.want {
			t.Errorf("CoversAllWithPrefix(%q) = %v, want %v", tc.pattern, got, tc.want)
		}
	}
	if !iampolicy.CoversAllWithPrefixFold("S3:*", "s3:") || iampolicy.CoversAllWithPrefixFold("s3:Get*", "s3:") {
		t.Error("action coverage is wrong")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}}`,
		`{"Statement":[{"Effect":"Deny","NotAction":["iam:*"],"Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false}}}]}`,
		`%7B%22Statement%22%3A%5B%5D%7D`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := iampolicy.Parse(data)
		if err != nil {
			if d != nil {
				t.Fatal("a document returned with an error")
			}
			return
		}
		// A parsed document re-encodes and parses to the same thing.
		raw, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var again map[string]json.RawMessage
		if err := json.Unmarshal(raw, &again); err != nil {
			t.Fatal(err)
		}
		for _, s := range d.Statement {
			if s.Action == nil || s.Resource == nil || s.Condition == nil || s.Principal == nil {
				t.Fatalf("statement not normalised: %+v", s)
			}
		}
	})
}

func FuzzMatch(f *testing.F) {
	f.Add("arn:aws:s3:::b*", "arn:aws:s3:::b/")
	f.Add("*a*b*c*", "xaybzc")
	f.Fuzz(func(t *testing.T, pattern, value string) {
		m := iampolicy.Match(pattern, value)
		if pattern == value && !m {
			t.Fatalf("a literal pattern %q does not match itself", pattern)
		}
		if iampolicy.CoversAllWithPrefix(pattern, value) && !iampolicy.Match(pattern, value+"x") {
			t.Fatalf("%q claims to cover every continuation of %q but not %q", pattern, value, value+"x")
		}
	})
}
