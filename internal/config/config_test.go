package config

import (
	"errors"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestParseValid(t *testing.T) {
	src := `organization: Example Health
period: 2026-Q4
locker:
  path: /var/evidence
signing:
  key: keys/k.pem
aws:
  regions: all
  accounts: [111111111111, "222222222222"]
  organization: true
  audit_role: Audit
collectors:
  enabled: iam,kms
  options:
    s3:
      phi_buckets: [a, b]
`
	c, err := Parse("c.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if c.Organization != "Example Health" || c.Locker.Path != "/var/evidence" || !c.AWS.Organization {
		t.Errorf("decoded %+v", c)
	}
	if len(c.AWS.Regions) != 1 || c.AWS.Regions[0] != "all" {
		t.Errorf("regions = %v", c.AWS.Regions)
	}
	if strings.Join(c.AWS.Accounts, ",") != "111111111111,222222222222" {
		t.Errorf("accounts = %v", c.AWS.Accounts)
	}
	if strings.Join(c.Collectors.Enabled, ",") != "iam,kms" {
		t.Errorf("enabled = %v", c.Collectors.Enabled)
	}
	n := c.Collectors.Options["s3"]
	var opts struct {
		PHIBuckets []string `yaml:"phi_buckets"`
	}
	if err := DecodeNode(c.Path, &n, &opts); err != nil {
		t.Fatal(err)
	}
	if len(opts.PHIBuckets) != 2 {
		t.Errorf("options = %+v", opts)
	}
	var wrong struct {
		Other string `yaml:"other"`
	}
	err = DecodeNode(c.Path, &n, &wrong)
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 16 || !strings.Contains(ce.Msg, "phi_buckets") {
		t.Errorf("strict option decode: %v (want line 16, phi_buckets)", err)
	}
}

func TestParseErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown top-level field", "organization: x\nlockr:\n  path: y\n", `c.yaml:2: unknown field "lockr"`},
		{"unknown nested field", "aws:\n  regions: [us-east-1]\n  region: us-east-1\n", `c.yaml:3: unknown field "region"`},
		{"wrong type", "aws:\n  organization: maybe\n", "c.yaml:2:"},
		{"bad syntax", "aws:\n  regions: [us-east-1\n", "c.yaml"},
		{"two documents", "organization: x\n---\norganization: y\n", "c.yaml:2: more than one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.yaml", []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestExtensions(t *testing.T) {
	RegisterExtension("testsection")
	c, err := Parse("c.yaml", []byte("testsection:\n  value: 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Value int `yaml:"value"`
	}
	if err := c.Extension("testsection", &v); err != nil || v.Value != 3 {
		t.Fatalf("extension = %+v, %v", v, err)
	}
	if _, err := Parse("c.yaml", []byte("nosuchsection: 1\n")); err == nil || !strings.Contains(err.Error(), `c.yaml:1: unknown field "nosuchsection"`) {
		t.Fatalf("unknown section: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("organization: x\naws:\n  regions: all\n"))
	f.Add([]byte("collectors:\n  enabled: [iam]\n  options:\n    s3: {a: 1}\n"))
	f.Add([]byte("- a\n- b\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse("f.yaml", b)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error is not a config.Error: %v", err)
			}
			return
		}
		if c == nil {
			t.Fatal("nil config without error")
		}
	})
}

func TestYAMLError(t *testing.T) {
	type target struct {
		Count int `yaml:"count"`
	}
	decode := func(src string, known bool) error {
		t.Helper()
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(src), &n); err != nil {
			return err
		}
		var v target
		if known {
			dec := yaml.NewDecoder(strings.NewReader(src))
			dec.KnownFields(true)
			return dec.Decode(&v)
		}
		return n.Decode(&v)
	}
	tests := []struct {
		name   string
		src    string
		known  bool
		offset int
		want   Error
	}{
		{"type error at its line", "\ncount: many\n", false, 0, Error{File: "f.yaml", Line: 2, Msg: "cannot unmarshal !!str `many` into int"}},
		{"line offset added", "\ncount: many\n", false, 10, Error{File: "f.yaml", Line: 12, Msg: "cannot unmarshal !!str `many` into int"}},
		{"syntax error", "count: [1\n", false, 0, Error{File: "f.yaml", Line: 1, Msg: "did not find expected ',' or ']'"}},
		{"unknown field kept as yaml words it", "count: 1\nextra: 2\n", true, 0, Error{File: "f.yaml", Line: 2, Msg: "field extra not found in type config.target"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := decode(tc.src, tc.known)
			if err == nil {
				t.Fatal("the YAML decoded without error")
			}
			var got *Error
			if !errors.As(YAMLError("f.yaml", tc.offset, err), &got) {
				t.Fatalf("YAMLError(%v) is not an *Error", err)
			}
			if *got != tc.want {
				t.Errorf("YAMLError(%v) = %+v, want %+v", err, *got, tc.want)
			}
		})
	}
	t.Run("no line", func(t *testing.T) {
		got := YAMLError("f.yaml", 3, errors.New("yaml: something odd"))
		if got.Error() != "f.yaml: something odd" {
			t.Errorf("YAMLError = %q", got)
		}
	})
}

// TestDecodeNodeErrorsNameTheOriginalLine decodes sections laid out the way
// people write them (blank lines, comments, flow and block lists, nested
// maps) and checks that an error names the line in the file, not the line
// in yaml.v3's re-encoding of the node.
func TestDecodeNodeErrorsNameTheOriginalLine(t *testing.T) {
	src := `collectors:
  options:
    s3:
      # Buckets that hold PHI.
      phi_buckets: [a, b]

      # Tag that marks a PHI bucket.
      phi_tag:
        key: data-class

        value: phi
      max_age: soon
      colour: red
`
	type tag struct {
		Key   string `yaml:"key"`
		Value string `yaml:"value"`
	}
	type s3Strict struct {
		PHIBuckets []string `yaml:"phi_buckets"`
		PHITag     tag      `yaml:"phi_tag"`
		MaxAge     string   `yaml:"max_age"`
	}
	type s3Typed struct {
		PHIBuckets []string `yaml:"phi_buckets"`
		PHITag     tag      `yaml:"phi_tag"`
		MaxAge     int      `yaml:"max_age"`
		Colour     string   `yaml:"colour"`
	}
	type nestedUnknown struct {
		PHIBuckets []string `yaml:"phi_buckets"`
		PHITag     struct {
			Key string `yaml:"key"`
		} `yaml:"phi_tag"`
		MaxAge string `yaml:"max_age"`
		Colour string `yaml:"colour"`
	}
	c, err := Parse("c.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	n := c.Collectors.Options["s3"]
	tests := []struct {
		name     string
		v        any
		wantLine int
		wantMsg  string
	}{
		{"unknown field", &s3Strict{}, 13, `unknown field "colour"`},
		{"wrong type", &s3Typed{}, 12, "cannot unmarshal"},
		{"unknown nested field", &nestedUnknown{}, 11, `unknown field "value"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := DecodeNode("c.yaml", &n, tc.v)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("DecodeNode = %v, want an *Error", err)
			}
			if ce.Line != tc.wantLine || !strings.Contains(ce.Msg, tc.wantMsg) {
				t.Errorf("DecodeNode = %v, want c.yaml:%d: ...%s", err, tc.wantLine, tc.wantMsg)
			}
		})
	}
}
