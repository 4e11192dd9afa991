package scope

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
)

// The AWS Artifact ListCustomerAgreements operation, as its API reference
// documents it: restJson1, GET /v1/customer-agreement/list with the
// maxResults and nextToken query parameters, SigV4 signing name "artifact".
// The Artifact SDK module is not served by the module proxy, so this one
// request is built and signed here.
const (
	artifactPath        = "/v1/customer-agreement/list"
	artifactSigningName = "artifact"
	artifactServiceID   = "Artifact"
	artifactOperation   = "ListCustomerAgreements"
	// artifactMaxResults is the page size asked for.
	artifactMaxResults = 100
	// maxArtifactBody bounds a response body; agreement lists are a few KB.
	maxArtifactBody = 4 << 20
	// maxArtifactPages bounds pagination against a service that never stops.
	maxArtifactPages = 100
)

// emptyPayloadHash is the SHA-256 of an empty body, signed for GET requests.
const emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// ManualInstructions tells the operator how to evidence BAA acceptance when
// AWS Artifact cannot be read.
const ManualInstructions = "Download the accepted AWS Business Associate Addendum (BAA) from AWS Artifact (Agreements) and attach it: " +
	"hipaa-evidence attach --control 164.308(b)(1) --file BAA.pdf"

// artifactError is an error answer of the Artifact API. It implements
// smithy.APIError so it is recorded like any SDK error and retried like one.
type artifactError struct {
	status  int
	code    string
	message string
}

func (e *artifactError) Error() string {
	return fmt.Sprintf("artifact: %s (HTTP %d): %s", e.code, e.status, e.message)
}
func (e *artifactError) ErrorCode() string    { return e.code }
func (e *artifactError) ErrorMessage() string { return e.message }
func (e *artifactError) ErrorFault() smithy.ErrorFault {
	if e.status >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}
func (e *artifactError) HTTPStatusCode() int { return e.status }

// agreementsPage is one ListCustomerAgreements response.
type agreementsPage struct {
	CustomerAgreements []struct {
		Name            string          `json:"name"`
		Arn             string          `json:"arn"`
		ID              string          `json:"id"`
		AgreementArn    string          `json:"agreementArn"`
		AWSAccountID    string          `json:"awsAccountId"`
		OrganizationArn string          `json:"organizationArn"`
		EffectiveStart  json.RawMessage `json:"effectiveStart"`
		EffectiveEnd    json.RawMessage `json:"effectiveEnd"`
		State           string          `json:"state"`
		Type            string          `json:"type"`
	} `json:"customerAgreements"`
	NextToken string `json:"nextToken"`
}

func (r *run) baa(ctx context.Context, b *collectors.Builder) *BAAPayload {
	p := &BAAPayload{Source: "manual", Agreements: []Agreement{}, Accounts: []BAAAccount{}}
	if r.opts.SkipArtifact {
		p.APIStatus = APISkipped
	} else {
		agreements, err := r.listAgreements(ctx)
		switch status := classifyArtifactError(err); status {
		case APIOK:
			b.Called(actListCustomerAgreements)
			p.Source, p.APIStatus = "artifact_api", APIOK
			p.Agreements = agreements
		case APIUnavailable:
			// Not reachable from here (partition, network, emulator): BAA
			// acceptance is manual evidence, which is not a collection gap.
			b.Called(actListCustomerAgreements)
			ce := collectors.CallError(actListCustomerAgreements, err)
			p.APIStatus, p.APIError = status, &ce
		default:
			ce := b.Failed(actListCustomerAgreements, err)
			p.APIStatus, p.APIError = status, &ce
		}
	}
	orgBAA, acctBAA := false, false
	for _, a := range p.Agreements {
		if a.IsBAA && a.State == "ACTIVE" {
			if a.Scope == "organization" {
				orgBAA = true
			} else if a.AWSAccountID == "" || a.AWSAccountID == r.org.CallerAccountID {
				acctBAA = true
			}
		}
	}
	p.OrganizationBAA = orgBAA
	if p.APIStatus == APIOK {
		p.Accepted = aws.Bool(orgBAA || acctBAA)
	}
	p.ManualEvidenceRequired = p.Accepted == nil || !*p.Accepted
	if p.ManualEvidenceRequired {
		p.Instructions = ManualInstructions
	}
	for _, a := range r.accounts {
		ba := BAAAccount{AccountID: a.ID, Name: a.Name}
		switch {
		case orgBAA && r.org.InOrganization:
			ba.Covered, ba.CoveredBy = aws.Bool(true), "organization"
		case acctBAA && a.ID == r.org.CallerAccountID:
			ba.Covered, ba.CoveredBy = aws.Bool(true), "account"
		case p.APIStatus == APIOK && a.ID == r.org.CallerAccountID:
			ba.Covered = aws.Bool(false)
		}
		p.Accounts = append(p.Accounts, ba)
	}
	return p
}

// classifyArtifactError sorts a ListCustomerAgreements failure.
func classifyArtifactError(err error) string {
	var netErr net.Error
	var ae *artifactError
	switch {
	case err == nil:
		return APIOK
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return APIError
	case collectors.IsAccessDenied(err), errors.As(err, &ae) && ae.status == http.StatusForbidden:
		return APIDenied
	case collectors.IsUnsupported(err), errors.As(err, &netErr):
		return APIUnavailable
	case errors.As(err, &ae) && (ae.status == http.StatusNotFound || ae.status == http.StatusNotImplemented || ae.code == "UnknownOperationException"):
		return APIUnavailable
	}
	return APIError
}

// artifactEndpoint returns the Artifact API's base URL: the
// AWS_ENDPOINT_URL_ARTIFACT or configured base endpoint when set, else the
// regional endpoint of the partition, artifact.REGION.DNS-SUFFIX (the
// Artifact SDK's endpoint table).
func artifactEndpoint(cfg aws.Config, partition, region string) string {
	if u := os.Getenv("AWS_ENDPOINT_URL_ARTIFACT"); u != "" {
		return strings.TrimRight(u, "/")
	}
	if cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != "" {
		return strings.TrimRight(*cfg.BaseEndpoint, "/")
	}
	suffix := "amazonaws.com"
	switch partition {
	case "aws-cn":
		suffix = "amazonaws.com.cn"
	case "aws-eusc":
		suffix = "amazonaws.eu"
	}
	return "https://artifact." + region + "." + suffix
}

func (r *run) artifactRegion() string {
	switch {
	case r.opts.ArtifactRegion != "":
		return r.opts.ArtifactRegion
	case r.req.Target.Partition == "" || r.req.Target.Partition == "aws":
		return DefaultArtifactRegion
	}
	return r.req.AWS.Region
}

// listAgreements pages through ListCustomerAgreements.
func (r *run) listAgreements(ctx context.Context) ([]Agreement, error) {
	var out []Agreement
	token := ""
	for page := 0; page < maxArtifactPages; page++ {
		resp, err := r.artifactCall(ctx, token)
		if err != nil {
			return nil, err
		}
		for _, a := range resp.CustomerAgreements {
			ag := Agreement{
				Name: a.Name, Type: a.Type, State: a.State, ID: a.ID, ARN: a.Arn, AgreementARN: a.AgreementArn,
				AWSAccountID: a.AWSAccountID, OrganizationARN: a.OrganizationArn,
				EffectiveStart: timestamp(a.EffectiveStart), EffectiveEnd: timestamp(a.EffectiveEnd),
				Scope: "account", IsBAA: strings.Contains(strings.ToLower(a.Name), "business associate"),
			}
			if a.OrganizationArn != "" {
				ag.Scope = "organization"
			}
			out = append(out, ag)
		}
		if resp.NextToken == "" || resp.NextToken == token {
			return out, nil
		}
		token = resp.NextToken
	}
	return nil, fmt.Errorf("artifact: more than %d pages of agreements", maxArtifactPages)
}

// artifactCall sends one signed request, retrying as the configured retryer
// says (throttling, server errors).
func (r *run) artifactCall(ctx context.Context, token string) (*agreementsPage, error) {
	cfg := r.req.AWS
	var retryer aws.Retryer = retry.NewStandard()
	if cfg.Retryer != nil {
		retryer = cfg.Retryer()
	}
	for attempt := 1; ; attempt++ {
		page, err := r.artifactAttempt(ctx, token)
		if err == nil {
			return page, nil
		}
		if ctx.Err() != nil || attempt >= retryer.MaxAttempts() || !retryer.IsErrorRetryable(err) {
			return nil, err
		}
		delay, derr := retryer.RetryDelay(attempt, err)
		if derr != nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
	}
}

func (r *run) artifactAttempt(ctx context.Context, token string) (*agreementsPage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg := r.req.AWS
	region := r.artifactRegion()
	q := url.Values{"maxResults": {fmt.Sprint(artifactMaxResults)}}
	if token != "" {
		q.Set("nextToken", token)
	}
	u := artifactEndpoint(cfg, r.req.Target.Partition, region) + artifactPath + "?" + q.Encode()
	// The SDK's request metadata, so transports and test stubs see which
	// operation this is, as for every SDK call.
	ctx = awsmiddleware.SetServiceID(ctx, artifactServiceID)
	ctx = awsmiddleware.SetOperationName(ctx, artifactOperation)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("artifact: build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Amz-Content-Sha256", emptyPayloadHash)
	if cfg.Credentials == nil {
		return nil, errors.New("artifact: no credentials")
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("artifact: retrieve credentials: %w", err)
	}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, emptyPayloadHash, artifactSigningName, region, time.Now().UTC()); err != nil {
		return nil, fmt.Errorf("artifact: sign request: %w", err)
	}
	var client aws.HTTPClient = cfg.HTTPClient
	if client == nil {
		client = awshttp.NewBuildableClient()
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxArtifactBody+1))
	if err != nil {
		return nil, fmt.Errorf("artifact: read response: %w", err)
	}
	if len(body) > maxArtifactBody {
		return nil, fmt.Errorf("artifact: response larger than %d bytes", maxArtifactBody)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, artifactErrorOf(resp, body)
	}
	var page agreementsPage
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, &artifactError{status: resp.StatusCode, code: "MalformedResponse", message: "the response is not the documented JSON"}
	}
	return &page, nil
}

// artifactErrorOf reads a restJson1 error: the code from the
// X-Amzn-ErrorType header or the body's __type/code, the message from the
// body's message/Message.
func artifactErrorOf(resp *http.Response, body []byte) error {
	e := &artifactError{status: resp.StatusCode}
	var doc struct {
		Type     string `json:"__type"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	_ = json.Unmarshal(body, &doc) // a non-JSON body leaves the fields empty
	e.code = resp.Header.Get("X-Amzn-ErrorType")
	if e.code == "" {
		e.code = doc.Type
	}
	if e.code == "" {
		e.code = doc.Code
	}
	// Codes may carry a namespace and a ":" suffix (restJson1 convention).
	if i := strings.Index(e.code, ":"); i >= 0 {
		e.code = e.code[:i]
	}
	if i := strings.LastIndex(e.code, "#"); i >= 0 {
		e.code = e.code[i+1:]
	}
	if e.code == "" {
		e.code = fmt.Sprintf("HTTP%d", resp.StatusCode)
	}
	e.message = doc.Message
	if e.message == "" {
		e.message = doc.MessageU
	}
	if e.message == "" {
		e.message = http.StatusText(resp.StatusCode)
	}
	return e
}

// timestamp normalises an Artifact timestamp (RFC 3339 text or epoch
// seconds) to RFC 3339 UTC, or "".
func timestamp(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC().Format(time.RFC3339)
		}
		return s
	}
	var f float64
	if json.Unmarshal(raw, &f) == nil {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC().Format(time.RFC3339)
	}
	return ""
}
