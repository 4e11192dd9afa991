package collectortest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"

	collaws "github.com/hipaa-evidence/hipaa-evidence/collectors/aws"
)

// Protocol is an AWS wire protocol, used to shape stubbed responses and errors.
type Protocol int

// The protocols of the services the collectors call.
const (
	// Query is the awsQuery protocol (IAM, STS): form-encoded requests, XML responses.
	Query Protocol = iota
	// JSON is the awsJson1_1 protocol (KMS, CloudTrail, Organizations, Cost Explorer, CloudWatch Logs).
	JSON
	// RestXML is the restXml protocol (S3, S3 Control).
	RestXML
	// RestJSON is the restJson1 protocol (Account).
	RestJSON
)

// protocols maps IAM action prefixes to their protocol.
var protocols = map[string]Protocol{
	"iam": Query, "sts": Query,
	"kms": JSON, "cloudtrail": JSON, "organizations": JSON, "ce": JSON, "logs": JSON,
	"s3": RestXML, "account": RestJSON,
}

// ProtocolOf returns the protocol of an operation key such as "iam:ListUsers".
func ProtocolOf(key string) Protocol {
	svc, _, _ := strings.Cut(key, ":")
	return protocols[svc]
}

// Handler answers one stubbed operation. Returning nil passes the request on
// to the emulator.
type Handler func(r *http.Request, body []byte) *http.Response

// Transport is an http.RoundTripper in front of the emulator. It identifies
// each request's operation from the SDK's request context (service id and
// operation name), answers stubbed operations itself, injects faults and
// latency, and forwards the rest.
type Transport struct {
	// Base forwards requests that are not stubbed; nil means http.DefaultTransport.
	Base http.RoundTripper

	latency atomic.Int64
	mu      sync.Mutex
	stubs   map[string]Handler
	counts  map[string]int
}

// NewTransport returns a Transport forwarding to base.
func NewTransport(base http.RoundTripper) *Transport {
	return &Transport{Base: base, stubs: map[string]Handler{}, counts: map[string]int{}}
}

// OperationKey returns the stub key of a request: the IAM prefix of its
// service and the SDK operation name, e.g. "iam:GetCredentialReport" or
// "s3:GetBucketEncryption" (operation names, not renamed IAM actions).
func OperationKey(r *http.Request) string {
	ctx := r.Context()
	svc := awsmiddleware.GetServiceID(ctx)
	op := awsmiddleware.GetOperationName(ctx)
	if svc == "" || op == "" {
		return ""
	}
	return collaws.ServicePrefix(svc) + ":" + op
}

// Stub sets the handler for key, replacing any earlier one.
func (t *Transport) Stub(key string, h Handler) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stubs[key] = h
}

// SetLatency delays every request by d, to behave like a remote endpoint.
func (t *Transport) SetLatency(d time.Duration) { t.latency.Store(int64(d)) }

// Count returns how many requests with key were sent (stubbed or not).
func (t *Transport) Count(key string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.counts[key]
}

// Total returns how many requests were sent in all.
func (t *Transport) Total() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, c := range t.counts {
		n += c
	}
	return n
}

// ResetCounts forgets the request counts.
func (t *Transport) ResetCounts() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.counts = map[string]int{}
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if d := time.Duration(t.latency.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	key := OperationKey(r)
	t.mu.Lock()
	t.counts[key]++
	h := t.stubs[key]
	t.mu.Unlock()
	if h != nil {
		var body []byte
		if r.Body != nil {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				return nil, err
			}
			r.Body.Close()
			body = b
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		if resp := h(r, body); resp != nil {
			resp.Request = r
			return resp, nil
		}
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}

func response(status int, contentType string, body []byte) *http.Response {
	h := http.Header{}
	h.Set("Content-Type", contentType)
	h.Set("X-Amzn-Requestid", "00000000-0000-0000-0000-000000000000")
	return &http.Response{
		StatusCode:    status,
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Proto:         "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
}

// queryNamespaces are the XML namespaces of awsQuery responses.
var queryNamespaces = map[string]string{
	"iam": "https://iam.amazonaws.com/doc/2010-05-08/",
	"sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}

// QueryResponse returns an awsQuery success response for key whose <Result>
// element holds inner (raw XML), as the AWS API reference shows:
// <OpResponse><OpResult>inner</OpResult><ResponseMetadata>...</ResponseMetadata></OpResponse>.
func QueryResponse(key, inner string) *http.Response {
	svc, op, _ := strings.Cut(key, ":")
	body := fmt.Sprintf(`<%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></%sResponse>`,
		op, queryNamespaces[svc], op, inner, op, op)
	return response(200, "text/xml", []byte(body))
}

// JSONResponse returns an awsJson1_1 success response with v as its body.
func JSONResponse(v any) *http.Response {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("collectortest: marshal stub response: %v", err))
	}
	return response(200, "application/x-amz-json-1.1", b)
}

// XMLResponse returns a restXml success response with body.
func XMLResponse(body string) *http.Response {
	return response(200, "application/xml", []byte(xml.Header+body))
}

// ErrorResponse returns the documented error shape of key's protocol with
// the given HTTP status, code and message.
func ErrorResponse(key string, status int, code, message string) *http.Response {
	switch ProtocolOf(key) {
	case Query:
		typ := "Sender"
		if status >= 500 {
			typ = "Receiver"
		}
		body := fmt.Sprintf(`<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>`,
			queryNamespaces[strings.SplitN(key, ":", 2)[0]], typ, code, xmlEscape(message))
		return response(status, "text/xml", []byte(body))
	case JSON, RestJSON:
		b, _ := json.Marshal(map[string]string{"__type": code, "message": message})
		r := response(status, "application/x-amz-json-1.1", b)
		r.Header.Set("X-Amzn-Errortype", code)
		return r
	default:
		body := fmt.Sprintf(`<Error><Code>%s</Code><Message>%s</Message><RequestId>0000000000000000</RequestId></Error>`, code, xmlEscape(message))
		return response(status, "application/xml", []byte(xml.Header+body))
	}
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// AccessDenied returns a handler that answers every call with the service's
// access-denied error.
func AccessDenied(key string) Handler {
	code := "AccessDenied"
	if p := ProtocolOf(key); p == JSON || p == RestJSON {
		code = "AccessDeniedException"
	}
	return func(*http.Request, []byte) *http.Response {
		return ErrorResponse(key, 403, code, "User: arn:aws:sts::123456789012:assumed-role/Audit/test is not authorized to perform: "+key)
	}
}

// Throttle returns a handler that throttles the first n calls and then
// passes calls on (to next, or the emulator when next is nil).
func Throttle(key string, n int, next Handler) Handler {
	var seen atomic.Int64
	code := "Throttling"
	if p := ProtocolOf(key); p == JSON || p == RestJSON {
		code = "ThrottlingException"
	} else if p == RestXML {
		code = "SlowDown"
	}
	return func(r *http.Request, body []byte) *http.Response {
		if seen.Add(1) <= int64(n) {
			status := 400
			if code == "SlowDown" {
				status = 503
			}
			return ErrorResponse(key, status, code, "Rate exceeded")
		}
		if next != nil {
			return next(r, body)
		}
		return nil
	}
}
