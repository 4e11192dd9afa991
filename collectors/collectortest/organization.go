package collectortest

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
)

// ManagementKey is the access key id of the organization's management
// account in an Organization.
const ManagementKey = "AKIAMANAGEMENT000000"

// Organization is a test AWS organization behind a router that sends each
// request to the emulator of the account whose credentials signed it. The
// router learns which access key belongs to which account from the
// sts:AssumeRole responses it forwards, and answers sts:GetCallerIdentity
// with the signing account.
//
// kumo keeps its state in package variables, so emulators in one process
// share it. NewOrganization serves every account from one in-process
// emulator: accounts are distinct to the router (ids, roles, credentials) but
// see the same resources, which suits scale and fan-out tests.
// NewIsolatedOrganization gives the management account and each member its
// own emulator process, for tests that need accounts with different
// resources; several isolated organizations can run in one process.
//
// In an isolated organization each emulator serves exactly one account, so
// the router also presents its answers as that account's: kumo writes fixed
// account ids into what it returns (123456789012 for IAM, CloudTrail and
// Organizations, 000000000000 for KMS, CloudWatch Logs and STS), and the
// router replaces them, where they stand as account ids (ARNs, account-id
// fields), with the id of the account that signed the request. Both ids are
// twelve digits, so the bodies keep their length.
//
// kumo does not separate regions either: an account's emulator answers for
// every region. StartRegionalEmulator gives one account its own emulator for
// chosen services in one region.
type Organization struct {
	Endpoint
	// ManagementID is the management account's id (kumo's default account).
	ManagementID string
	// Members maps member account ids to their emulators (one shared
	// emulator unless isolated).
	Members map[string]*Emulator
	// Management is the management account's emulator; it also serves STS
	// and Organizations.
	Management *Emulator

	router   *httptest.Server
	isolated bool
	mu       sync.Mutex
	keys     map[string]string // access key id -> account id
	denied   map[string]bool   // accounts whose role cannot be assumed
	regional map[regionalKey]*Emulator
	proxies  map[string]*httputil.ReverseProxy // isolated: emulator URL -> rewriting proxy
}

// regionalKey names the emulator of one account, region and service.
type regionalKey struct{ account, region, service string }

var (
	// credentialPattern reads the SigV4 credential scope of the
	// Authorization header: access key id, date, region, service.
	credentialPattern = regexp.MustCompile(`Credential=([A-Za-z0-9]+)/[0-9]{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request`)
	roleARNPattern    = regexp.MustCompile(`^arn:[a-z-]+:iam::([0-9]{12}):role/`)
)

// NewOrganization starts a management emulator with an organization of n
// member accounts created through organizations:CreateAccount, one emulator
// per member, and the router. Everything stops at test cleanup.
func NewOrganization(t testing.TB, n int) *Organization {
	t.Helper()
	o, err := StartOrganization(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	return o
}

// NewIsolatedOrganization is NewOrganization with one emulator process per
// member account, so each account has its own resources. The test package
// must call collectortest.Main from TestMain.
func NewIsolatedOrganization(t testing.TB, n int) *Organization {
	t.Helper()
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("member-%03d", i)
	}
	o, err := StartIsolatedOrganization(context.Background(), names)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Close)
	return o
}

// StartOrganization is NewOrganization outside tests (the demo); the caller
// must Close it.
func StartOrganization(ctx context.Context, n int) (*Organization, error) {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("member-%03d", i)
	}
	return StartNamedOrganization(ctx, names)
}

// StartNamedOrganization starts an organization with one member account per
// name, all served by the management account's in-process emulator; the
// caller must Close it.
func StartNamedOrganization(ctx context.Context, names []string) (*Organization, error) {
	return startOrganization(ctx, names, false)
}

// StartIsolatedOrganization starts an organization with one member account
// per name, each served by its own emulator process (StartEmulatorProcess);
// the caller must Close it.
func StartIsolatedOrganization(ctx context.Context, names []string) (*Organization, error) {
	return startOrganization(ctx, names, true)
}

func startOrganization(ctx context.Context, names []string, isolated bool) (*Organization, error) {
	var mgmt *Emulator
	if isolated {
		// The management account gets a fresh state too: the in-process
		// emulator may already hold another test's organization.
		e, err := StartEmulatorProcess()
		if err != nil {
			return nil, fmt.Errorf("management account: %w", err)
		}
		mgmt = e
	} else {
		mgmt = StartEmulator()
	}
	o := &Organization{
		Management:   mgmt,
		ManagementID: DefaultAccount,
		Members:      map[string]*Emulator{},
		isolated:     isolated,
		keys:         map[string]string{},
		denied:       map[string]bool{},
		regional:     map[regionalKey]*Emulator{},
		proxies:      map[string]*httputil.ReverseProxy{},
	}
	o.router = httptest.NewServer(http.HandlerFunc(o.route))
	o.Endpoint = newEndpoint(o.router.URL)
	if !isolated {
		o.Transport.Base = bypassRouter{next: o.Transport.Base, router: o.router.URL, direct: mgmt.URL}
	}

	org := organizations.NewFromConfig(o.ConfigWithKey(ManagementKey))
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); err != nil {
		o.Close()
		return nil, fmt.Errorf("create organization: %w", err)
	}
	for i, name := range names {
		out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{
			AccountName: aws.String(name),
			Email:       aws.String(fmt.Sprintf("aws+%s@example.com", name)),
		})
		if err != nil {
			o.Close()
			return nil, fmt.Errorf("create account %d: %w", i, err)
		}
		id := aws.ToString(out.CreateAccountStatus.AccountId)
		member := o.Management
		if isolated {
			if member, err = StartEmulatorProcess(); err != nil {
				o.Close()
				return nil, fmt.Errorf("account %s: %w", id, err)
			}
		}
		o.Members[id] = member
	}
	return o, nil
}

// Close stops the router and every emulator.
func (o *Organization) Close() {
	if o.router != nil {
		o.router.Close()
	}
	for _, m := range o.Members {
		if m != o.Management {
			m.Close()
		}
	}
	o.mu.Lock()
	for _, e := range o.regional {
		e.Close()
	}
	o.mu.Unlock()
	if o.Management != nil {
		o.Management.Close()
	}
}

// MemberIDs returns the member account ids, sorted.
func (o *Organization) MemberIDs() []string {
	ids := make([]string, 0, len(o.Members))
	for id := range o.Members {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// ManagementConfig returns the SDK configuration of the management account.
func (o *Organization) ManagementConfig() aws.Config { return o.ConfigWithKey(ManagementKey) }

// DenyAssumeRole makes sts:AssumeRole into account fail with AccessDenied.
func (o *Organization) DenyAssumeRole(account string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.denied[account] = true
}

// StartRegionalEmulator starts an emulator process that serves account's
// requests signed for region to the given services (SigV4 signing names such
// as "kms", "logs" or "monitoring") in place of the account's emulator, and
// stops it when the organization closes. Its resources carry region in
// their ARNs. Use it where an account needs different resources per region
// of a service; calls to the other services keep going to the account's
// emulator.
func (o *Organization) StartRegionalEmulator(account, region string, services ...string) (*Emulator, error) {
	if account != o.ManagementID && o.Members[account] == nil {
		return nil, fmt.Errorf("start regional emulator: %s is not an account of the organization", account)
	}
	e, err := startEmulatorProcess(region)
	if err != nil {
		return nil, fmt.Errorf("account %s region %s: %w", account, region, err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, svc := range services {
		k := regionalKey{account, region, svc}
		if o.regional[k] != nil {
			e.Close()
			return nil, fmt.Errorf("start regional emulator: account %s already has one for %s in %s", account, svc, region)
		}
		o.regional[k] = e
	}
	return e, nil
}

// AccountOf returns the account whose credentials signed r, for stubs that
// answer per account.
func (o *Organization) AccountOf(r *http.Request) string {
	m := credentialPattern.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return o.ManagementID
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if id, ok := o.keys[m[1]]; ok {
		return id
	}
	return o.ManagementID
}

// RegionOf returns the region r was signed for (its SigV4 credential
// scope), or "" when it is not signed.
func RegionOf(r *http.Request) string {
	if m := credentialPattern.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[2]
	}
	return ""
}

// target returns the emulator that serves r for acct.
func (o *Organization) target(r *http.Request, acct string) *Emulator {
	if m := credentialPattern.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		o.mu.Lock()
		e := o.regional[regionalKey{acct, m[2], m[3]}]
		o.mu.Unlock()
		if e != nil {
			return e
		}
	}
	if m, ok := o.Members[acct]; ok {
		return m
	}
	return o.Management
}

// forward sends r to the emulator that serves acct.
func (o *Organization) forward(w http.ResponseWriter, r *http.Request, acct string) {
	target := o.target(r, acct)
	if !o.isolated {
		proxy(target.URL).ServeHTTP(w, r)
		return
	}
	o.accountProxy(target.URL, acct).ServeHTTP(w, r)
}

func (o *Organization) route(w http.ResponseWriter, r *http.Request) {
	acct := o.AccountOf(r)
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		switch form.Get("Action") {
		case "GetCallerIdentity":
			// kumo answers every caller with one fixed account; the router
			// knows which account signed, so it answers in the documented shape.
			copyResponse(w, QueryResponse("sts:GetCallerIdentity", fmt.Sprintf(
				"<Arn>arn:aws:iam::%s:user/auditor</Arn><UserId>AIDAEXAMPLE%s</UserId><Account>%s</Account>", acct, acct[:6], acct)))
			return
		case "AssumeRole":
			if acct == o.ManagementID {
				o.assumeRole(w, r, form.Get("RoleArn"))
				return
			}
		}
	}
	o.forward(w, r, acct)
}

// assumeRole forwards sts:AssumeRole to the management emulator and learns
// the access key it returns, or denies it for unknown or denied accounts.
func (o *Organization) assumeRole(w http.ResponseWriter, r *http.Request, roleARN string) {
	m := roleARNPattern.FindStringSubmatch(roleARN)
	o.mu.Lock()
	denied := m == nil || o.denied[m[1]] || (o.Members[m[1]] == nil && m[1] != o.ManagementID)
	o.mu.Unlock()
	if denied {
		resp := ErrorResponse("sts:AssumeRole", 403, "AccessDenied",
			"User: arn:aws:iam::"+o.ManagementID+":user/auditor is not authorized to perform: sts:AssumeRole on resource: "+roleARN)
		copyResponse(w, resp)
		return
	}
	rec := httptest.NewRecorder()
	o.forward(rec, r, o.ManagementID)
	var out struct {
		Result struct {
			Credentials struct {
				AccessKeyID string `xml:"AccessKeyId"`
			} `xml:"Credentials"`
		} `xml:"AssumeRoleResult"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &out); err == nil && out.Result.Credentials.AccessKeyID != "" {
		o.mu.Lock()
		o.keys[out.Result.Credentials.AccessKeyID] = m[1]
		o.mu.Unlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

var (
	proxiesMu sync.Mutex
	proxies   = map[string]*httputil.ReverseProxy{}
)

func proxy(target string) *httputil.ReverseProxy {
	proxiesMu.Lock()
	defer proxiesMu.Unlock()
	if p, ok := proxies[target]; ok {
		return p
	}
	u, err := url.Parse(target)
	if err != nil {
		panic(fmt.Sprintf("collectortest: emulator URL %q: %v", target, err))
	}
	p := httputil.NewSingleHostReverseProxy(u)
	p.Transport = routerTransport
	proxies[target] = p
	return p
}

// accountProxy returns the proxy to an isolated organization's emulator at
// target, which presents kumo's fixed account ids as acct's: in responses
// it replaces them with acct, and in requests it replaces acct with the id
// the signing service's kumo emulation knows (so an ARN the caller read
// back finds the resource it names).
func (o *Organization) accountProxy(target, acct string) *httputil.ReverseProxy {
	key := target + " " + acct
	o.mu.Lock()
	defer o.mu.Unlock()
	if p, ok := o.proxies[key]; ok {
		return p
	}
	u, err := url.Parse(target)
	if err != nil {
		panic(fmt.Sprintf("collectortest: emulator URL %q: %v", target, err))
	}
	p := httputil.NewSingleHostReverseProxy(u)
	p.Transport = routerTransport
	direct := p.Director
	p.Director = func(r *http.Request) {
		direct(r)
		m := credentialPattern.FindStringSubmatch(r.Header.Get("Authorization"))
		if m == nil {
			return
		}
		kumoID, ok := kumoServiceAccounts[m[3]]
		if !ok || kumoID == acct {
			return
		}
		from := [][]byte{[]byte(acct)}
		r.URL.Path = string(rewriteAccountIDs([]byte(r.URL.Path), from, kumoID))
		r.URL.RawPath = ""
		r.URL.RawQuery = string(rewriteAccountIDs([]byte(r.URL.RawQuery), from, kumoID))
		if r.Body == nil || r.Body == http.NoBody {
			return
		}
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			r.Body = io.NopCloser(bytes.NewReader(nil))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(rewriteAccountIDs(body, from, kumoID)))
	}
	p.ModifyResponse = func(resp *http.Response) error {
		if resp.Header.Get("Content-Encoding") != "" {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(rewriteAccountIDs(body, kumoAccountIDs, acct)))
		return nil
	}
	o.proxies[key] = p
	return p
}

// kumoAccountIDs are the account ids kumo writes into its answers.
var kumoAccountIDs = [][]byte{[]byte(DefaultAccount), []byte("000000000000")}

// kumoServiceAccounts maps SigV4 signing names to the fixed account id that
// service's kumo emulation uses in its ARNs.
var kumoServiceAccounts = map[string]string{
	"iam": DefaultAccount, "cloudtrail": DefaultAccount, "organizations": DefaultAccount, "ce": DefaultAccount,
	"kms": "000000000000", "logs": "000000000000", "monitoring": "000000000000",
}

// rewriteAccountIDs replaces, in place, each of the twelve-digit ids in from
// that stands alone in b with to, and returns b. An id stands alone when it
// is not part of a longer run of letters, digits or dashes (as in a UUID's
// last group), except that a percent-escape before or after it (an ARN's
// ":" in a URL-encoded policy document, "%3A") counts as a separator.
func rewriteAccountIDs(b []byte, from [][]byte, to string) []byte {
	if len(to) != 12 {
		return b
	}
	word := func(c byte) bool {
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-'
	}
	for _, id := range from {
		for i := 0; ; {
			j := bytes.Index(b[i:], id)
			if j < 0 {
				break
			}
			at, end := i+j, i+j+len(id)
			before := at == 0 || !word(b[at-1]) || at >= 3 && b[at-3] == '%' && b[at-1] != '-'
			after := end == len(b) || !word(b[end]) || b[end] == '%'
			if before && after {
				copy(b[at:end], to)
			}
			i = end
		}
	}
	return b
}

var routerTransport = func() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}()

func copyResponse(w http.ResponseWriter, resp *http.Response) {
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// bypassRouter sends a shared organization's calls straight to its one
// emulator, all but STS: every account shares that emulator's state, so only
// sts:AssumeRole (which teaches the router whose key is whose) and
// sts:GetCallerIdentity (which it answers per account) need the router.
// Skipping the extra HTTP hop keeps the emulation's CPU out of the way of
// what scale benchmarks measure.
type bypassRouter struct {
	next           http.RoundTripper
	router, direct string
}

// RoundTrip implements http.RoundTripper.
func (b bypassRouter) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(OperationKey(r), "sts:") {
		return b.next.RoundTrip(r)
	}
	if u, err := url.Parse(b.direct); err == nil && "http://"+r.URL.Host == b.router {
		r = r.Clone(r.Context())
		r.URL.Host, r.Host = u.Host, u.Host
	}
	return b.next.RoundTrip(r)
}
