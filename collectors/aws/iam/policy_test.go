package iam

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestNormalizePolicy(t *testing.T) {
	const allowAll = `{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Principal":{},"NotPrincipal":{},"Action":["*"],"NotAction":[],"Resource":["*"],"NotResource":[],"Condition":{}}]}`
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "single statement object and scalar action",
			in:   `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
			want: allowAll,
		},
		{
			name: "URL-encoded as GetAccountAuthorizationDetails returns it",
			in:   strings.ReplaceAll(url.QueryEscape(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`), "+", "%20"),
			want: allowAll,
		},
		{
			name: "URL-encoded with spaces and a plus sign kept literal",
			in:   `%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement%22%3A%20%5B%7B%22Effect%22%3A%20%22Allow%22%2C%22Action%22%3A%22s3%3AGet%2B%22%2C%22Resource%22%3A%22*%22%7D%5D%7D`,
			want: `{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Principal":{},"NotPrincipal":{},"Action":["s3:Get+"],"NotAction":[],"Resource":["*"],"NotResource":[],"Condition":{}}]}`,
		},
		{
			name: "wildcard principal becomes AWS list",
			in:   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`,
			want: `{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Principal":{"AWS":["*"]},"NotPrincipal":{},"Action":["sts:AssumeRole"],"NotAction":[],"Resource":[],"NotResource":[],"Condition":{}}]}`,
		},
		{
			name: "principal types with scalar and list values",
			in:   `{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com","AWS":["arn:aws:iam::111122223333:root","444455556666"]},"Action":["sts:AssumeRole"]}]}`,
			want: `{"Version":"","Statement":[{"Sid":"","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","444455556666"],"Service":["ec2.amazonaws.com"]},"NotPrincipal":{},"Action":["sts:AssumeRole"],"NotAction":[],"Resource":[],"NotResource":[],"Condition":{}}]}`,
		},
		{
			name: "NotAction NotResource NotPrincipal and Id",
			in:   `{"Version":"2012-10-17","Id":"p1","Statement":[{"Sid":"D","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/a"},"NotAction":"iam:*","NotResource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}]}`,
			want: `{"Version":"2012-10-17","Id":"p1","Statement":[{"Sid":"D","Effect":"Deny","Principal":{},"NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/a"]},"Action":[],"NotAction":["iam:*"],"Resource":[],"NotResource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{}}]}`,
		},
		{
			name: "condition booleans numbers and lists become string lists",
			in:   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":true},"NumericLessThan":{"aws:MultiFactorAuthAge":3600},"StringEquals":{"aws:PrincipalOrgID":["o-1","o-2"]}}}]}`,
			want: `{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Principal":{},"NotPrincipal":{},"Action":["s3:*"],"NotAction":[],"Resource":["*"],"NotResource":[],"Condition":{"Bool":{"aws:MultiFactorAuthPresent":["true"]},"NumericLessThan":{"aws:MultiFactorAuthAge":["3600"]},"StringEquals":{"aws:PrincipalOrgID":["o-1","o-2"]}}}]}`,
		},
		{
			name: "order of values is kept",
			in:   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`,
			want: `{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Principal":{},"NotPrincipal":{},"Action":["s3:PutObject","s3:GetObject"],"NotAction":[],"Resource":["*"],"NotResource":[],"Condition":{}},{"Sid":"","Effect":"Deny","Principal":{},"NotPrincipal":{},"Action":["iam:*"],"NotAction":[],"Resource":["*"],"NotResource":[],"Condition":{}}]}`,
		},
		{
			name: "leading whitespace and byte order mark",
			in:   "\ufeff \n" + `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
			want: allowAll,
		},
		{
			name: "empty statement list",
			in:   `{"Version":"2012-10-17","Statement":[]}`,
			want: `{"Version":"2012-10-17","Statement":[]}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := NormalizePolicy(tc.in)
			if err != nil {
				t.Fatalf("NormalizePolicy: %v", err)
			}
			got, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestNormalizePolicyRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"not JSON", "hello"},
		{"bad percent encoding", "%zz"},
		{"JSON array", `[1,2]`},
		{"JSON null", `null`},
		{"no statement", `{"Version":"2012-10-17"}`},
		{"statement is a string", `{"Statement":"x"}`},
		{"statement item not object", `{"Statement":["x"]}`},
		{"no effect", `{"Statement":{"Action":"*"}}`},
		{"effect not string", `{"Statement":{"Effect":1}}`},
		{"action holds a number", `{"Statement":{"Effect":"Allow","Action":[1]}}`},
		{"resource is an object", `{"Statement":{"Effect":"Allow","Resource":{}}}`},
		{"principal is another string", `{"Statement":{"Effect":"Allow","Principal":"arn:aws:iam::1:root"}}`},
		{"principal is a list", `{"Statement":{"Effect":"Allow","Principal":["*"]}}`},
		{"condition is a list", `{"Statement":{"Effect":"Allow","Condition":[]}}`},
		{"condition operator not object", `{"Statement":{"Effect":"Allow","Condition":{"Bool":true}}}`},
		{"condition value nested object", `{"Statement":{"Effect":"Allow","Condition":{"Bool":{"k":{"a":1}}}}}`},
		{"trailing data", `{"Statement":[]} {}`},
		{"version not string", `{"Version":2012,"Statement":[]}`},
		{"oversize", `{"Statement":[],"Pad":"` + strings.Repeat("a", maxPolicySize) + `"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := NormalizePolicy(tc.in)
			if err == nil {
				t.Fatalf("NormalizePolicy accepted %q: %+v", tc.in, doc)
			}
			if !errors.Is(err, ErrPolicyDocument) {
				t.Errorf("error %v does not wrap ErrPolicyDocument", err)
			}
		})
	}
}
