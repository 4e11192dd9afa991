package iam

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	iamapi "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/internal/sorted"
)

// Name is the collector's registered name.
const Name = "iam"

// Version is the collector's version, recorded in every snapshot.
const Version = "1.0.0"

// Defaults of a Collector.
const (
	// DefaultConcurrency bounds the per-resource calls one collection has in
	// flight. IAM's request quota is per account, and the Runner already runs
	// several accounts at once.
	DefaultConcurrency = 8
	// DefaultPageSize is MaxItems for paginated calls: the largest IAM
	// accepts, so an account needs as few pages as possible.
	DefaultPageSize = 1000
	// DefaultReportPoll is the first wait between GenerateCredentialReport
	// calls while IAM builds the report; waits double up to
	// DefaultReportPollMax.
	DefaultReportPoll = 500 * time.Millisecond
	// DefaultReportPollMax is the longest wait between two polls.
	DefaultReportPollMax = 5 * time.Second
	// DefaultReportTimeout bounds how long the collector waits for IAM to
	// build the credential report.
	DefaultReportTimeout = 3 * time.Minute
)

// maxErrorsPerAction bounds how many failures of one action a snapshot lists
// one by one; further failures are summed up in one more entry with the same
// code. A denied per-user call in an account of 5,000 users would otherwise
// fill the snapshot with 5,000 identical errors.
const maxErrorsPerAction = 10

// Local error codes for evidence that was returned but cannot be used.
const (
	// CodeMalformedPolicy marks a policy document that could not be decoded.
	CodeMalformedPolicy = "MalformedPolicyDocument"
	// CodeMalformedReport marks a credential report that could not be parsed,
	// in whole or in part.
	CodeMalformedReport = "MalformedCredentialReport"
	// CodeMissingPolicyVersion marks a managed policy whose default version
	// was not returned.
	CodeMissingPolicyVersion = "MissingPolicyVersion"
)

// actions lists every IAM action the collector may call.
var actions = []string{
	"iam:GenerateCredentialReport",
	"iam:GetCredentialReport",
	"iam:GetAccountPasswordPolicy",
	"iam:GetAccountSummary",
	"iam:ListVirtualMFADevices",
	"iam:GetAccountAuthorizationDetails",
	"iam:ListUsers",
	"iam:GetUser",
	"iam:ListGroupsForUser",
	"iam:ListAttachedUserPolicies",
	"iam:ListUserPolicies",
	"iam:GetUserPolicy",
	"iam:GetLoginProfile",
	"iam:ListMFADevices",
	"iam:ListAccessKeys",
	"iam:GetAccessKeyLastUsed",
	"iam:ListGroups",
	"iam:GetGroup",
	"iam:ListAttachedGroupPolicies",
	"iam:ListGroupPolicies",
	"iam:GetGroupPolicy",
	"iam:ListRoles",
	"iam:GetRole",
	"iam:ListAttachedRolePolicies",
	"iam:ListRolePolicies",
	"iam:GetRolePolicy",
	"iam:ListInstanceProfilesForRole",
	"iam:ListPolicies",
	"iam:GetPolicyVersion",
	"iam:ListSAMLProviders",
	"iam:ListOpenIDConnectProviders",
	"iam:GetOpenIDConnectProvider",
}

func init() {
	collectors.Register(Name, func() collectors.Collector { return New() })
}

// Collector collects IAM evidence for one account. The zero value is not
// ready; use New.
type Collector struct {
	concurrency   int
	pageSize      int32
	reportPoll    time.Duration
	reportPollMax time.Duration
	reportTimeout time.Duration
}

// New returns a Collector with the default limits.
func New() *Collector {
	return &Collector{
		concurrency:   DefaultConcurrency,
		pageSize:      DefaultPageSize,
		reportPoll:    DefaultReportPoll,
		reportPollMax: DefaultReportPollMax,
		reportTimeout: DefaultReportTimeout,
	}
}

// Describe returns the collector's descriptor.
func (c *Collector) Describe() collectors.Descriptor {
	return collectors.Descriptor{
		Name:          Name,
		Version:       Version,
		Summary:       "IAM credential report, password policy, account summary, MFA, users, groups, roles, policies and identity providers",
		Scope:         collectors.PerAccount,
		EvidenceKinds: append([]string(nil), Kinds...),
		Actions:       append([]string(nil), actions...),
	}
}

// Collect gathers every IAM evidence kind of the request's account. It
// returns an error only when the request is unusable; failed calls are
// recorded in the snapshots.
func (c *Collector) Collect(ctx context.Context, req *collectors.Request) (*collectors.Response, error) {
	if req == nil {
		return nil, errors.New("iam: nil request")
	}
	now := time.Now
	if req.Now != nil {
		now = req.Now
	}
	r := &run{
		c:      c,
		client: iamapi.NewFromConfig(req.AWS),
		now:    now().UTC().Truncate(time.Second),
		sem:    make(chan struct{}, max(1, c.concurrency)),
	}
	return r.collect(ctx)
}

// run is one collection.
type run struct {
	c      *Collector
	client *iamapi.Client
	now    time.Time
	sem    chan struct{}
}

func (r *run) collect(ctx context.Context) (*collectors.Response, error) {
	var (
		wg                               sync.WaitGroup
		report, policy, summary, idps    *evidence.Snapshot
		reportData                       *CredentialReport
		vmfa                             *evidence.Snapshot
		vmfaData                         *VirtualMFADevices
		auth                             *authResult
		errReport, errPolicy, errSummary error
		errVMFA, errIDPs                 error
	)
	wg.Add(6)
	go func() { defer wg.Done(); report, reportData, errReport = r.credentialReport(ctx) }()
	go func() { defer wg.Done(); policy, errPolicy = r.passwordPolicy(ctx) }()
	go func() { defer wg.Done(); summary, errSummary = r.accountSummary(ctx) }()
	go func() { defer wg.Done(); vmfa, vmfaData, errVMFA = r.virtualMFADevices(ctx) }()
	go func() { defer wg.Done(); idps, errIDPs = r.identityProviders(ctx) }()
	go func() { defer wg.Done(); auth = r.authorization(ctx) }()
	wg.Wait()
	if err := errors.Join(errReport, errPolicy, errSummary, errVMFA, errIDPs); err != nil {
		return nil, err
	}
	entities, err := r.entities(ctx, auth, reportData, vmfaData)
	if err != nil {
		return nil, err
	}
	snaps := []*evidence.Snapshot{report, policy, summary, vmfa}
	snaps = append(snaps, entities...)
	snaps = append(snaps, idps)
	return &collectors.Response{Snapshots: snaps}, nil
}

// forEach calls fn(i) for i in [0, n) with bounded concurrency and waits.
func (r *run) forEach(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		r.sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-r.sem }()
			fn(i)
		}()
	}
	wg.Wait()
}

// recorder feeds one snapshot's Builder, listing at most maxErrorsPerAction
// failures per action one by one.
type recorder struct {
	kind string
	b    *collectors.Builder

	mu    sync.Mutex
	fails map[string]int
	last  map[string]error
}

func newRecorder(kind string) *recorder {
	return &recorder{kind: kind, b: collectors.NewBuilder(kind), fails: map[string]int{}, last: map[string]error{}}
}

// record records a call of action that ended with err (nil for success).
func (r *recorder) record(action string, err error) {
	if err == nil {
		r.b.Called(action)
		return
	}
	r.mu.Lock()
	r.fails[action]++
	n := r.fails[action]
	r.last[action] = err
	r.mu.Unlock()
	if n <= maxErrorsPerAction {
		r.b.Failed(action, err)
		return
	}
	r.b.Called(action)
}

// invalid records that action returned evidence that cannot be used.
func (r *recorder) invalid(action, code, message string) {
	r.record(action, &smithy.GenericAPIError{Code: code, Message: message, Fault: smithy.FaultServer})
}

// fatal records err for action and marks the snapshot as status error.
func (r *recorder) fatal(action string, err error) {
	r.record(action, err)
	r.b.Fatal()
}

// snapshot finishes the snapshot. Failures beyond the per-action bound are
// summed up in one more error with the last failure's code. A snapshot with
// status error carries an empty payload: what little was seen is not evidence.
func (r *recorder) snapshot(payload any) (*evidence.Snapshot, error) {
	r.mu.Lock()
	var extra []evidence.CallError
	for _, action := range sorted.Keys(r.fails) {
		if n := r.fails[action]; n > maxErrorsPerAction {
			ce := collectors.CallError(action, r.last[action])
			extra = append(extra, evidence.CallError{Action: action, Code: ce.Code,
				Message: fmt.Sprintf("%d more calls of %s failed; the last: %s", n-maxErrorsPerAction, action, ce.Message)})
		}
	}
	r.mu.Unlock()
	for _, e := range extra {
		r.b.Failed(e.Action, &smithy.GenericAPIError{Code: e.Code, Message: e.Message})
	}
	s, err := r.b.Snapshot(payload)
	if err != nil {
		return nil, err
	}
	if s.Status == evidence.StatusError {
		s.Payload = []byte("{}")
	}
	return s, nil
}

// recorders records one call in several snapshots (a bulk call feeds users,
// groups, roles and policies).
type recorders []*recorder

func (rs recorders) record(action string, err error) {
	for _, r := range rs {
		r.record(action, err)
	}
}
