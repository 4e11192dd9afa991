package scope

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestArtifactErrorOf(t *testing.T) {
	tests := []struct {
		name, header, body string
		status             int
		code, class        string
	}{
		{"header code", "AccessDeniedException", `{"message":"no"}`, 403, "AccessDeniedException", APIDenied},
		{"namespaced body code", "", `{"__type":"com.amazonaws.artifact#ThrottlingException:http://internal","message":"slow"}`, 429, "ThrottlingException", APIError},
		{"not json", "", `<html>gateway</html>`, 502, "HTTP502", APIError},
		{"not found", "", `not found`, 404, "HTTP404", APIUnavailable},
		{"forbidden without a code", "", ``, 403, "HTTP403", APIDenied},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tc.status, Header: http.Header{}}
			if tc.header != "" {
				resp.Header.Set("X-Amzn-ErrorType", tc.header)
			}
			err := artifactErrorOf(resp, []byte(tc.body))
			var ae *artifactError
			if !errors.As(err, &ae) || ae.ErrorCode() != tc.code || ae.ErrorMessage() == "" {
				t.Fatalf("error %v, want code %s", err, tc.code)
			}
			if got := classifyArtifactError(err); got != tc.class {
				t.Errorf("class %s, want %s", got, tc.class)
			}
		})
	}
	if got := classifyArtifactError(&net.DNSError{Err: "no such host", Name: "artifact.example"}); got != APIUnavailable {
		t.Errorf("a DNS failure is %s, want unavailable", got)
	}
}

func TestTimestamp(t *testing.T) {
	for in, want := range map[string]string{
		`"2024-01-15T10:00:00.123Z"`: "2024-01-15T10:00:00Z",
		`1705312800`:                 "2024-01-15T10:00:00Z",
		`null`:                       "",
		``:                           "",
		`"yesterday"`:                "yesterday",
		`{}`:                         "",
	} {
		if got := timestamp(json.RawMessage(in)); got != want {
			t.Errorf("timestamp(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestArtifactEndpoint(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_ARTIFACT", "")
	tests := []struct{ partition, region, want string }{
		{"aws", "us-east-1", "https://artifact.us-east-1.amazonaws.com"},
		{"aws-cn", "cn-north-1", "https://artifact.cn-north-1.amazonaws.com.cn"},
		{"aws-us-gov", "us-gov-west-1", "https://artifact.us-gov-west-1.amazonaws.com"},
	}
	for _, tc := range tests {
		if got := artifactEndpoint(aws.Config{}, tc.partition, tc.region); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.partition, tc.region, got, tc.want)
		}
	}
	if got := artifactEndpoint(aws.Config{BaseEndpoint: aws.String("http://127.0.0.1:4566/")}, "aws", "us-east-1"); got != "http://127.0.0.1:4566" {
		t.Errorf("base endpoint: %s", got)
	}
	t.Setenv("AWS_ENDPOINT_URL_ARTIFACT", "https://artifact.example/")
	if got := artifactEndpoint(aws.Config{}, "aws", "us-east-1"); got != "https://artifact.example" {
		t.Errorf("environment endpoint: %s", got)
	}
}
