package cloudtrail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/cloudtrail"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/cloudtrail/cloudtrailfake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

const (
	account   = collectortest.DefaultAccount
	member    = "210987654321"
	mainARN   = "arn:aws:cloudtrail:us-east-1:123456789012:trail/main"
	orgARN    = "arn:aws:cloudtrail:us-east-1:123456789012:trail/org"
	localARN  = "arn:aws:cloudtrail:us-east-1:123456789012:trail/regional"
	mainLogs  = "arn:aws:logs:us-east-1:123456789012:log-group:CloudTrail/main"
	missLogs  = "arn:aws:logs:us-east-1:123456789012:log-group:CloudTrail/missing"
	alarmTopc = "arn:aws:sns:us-east-1:123456789012:security-alerts"
	trailKey  = "arn:aws:kms:us-east-1:123456789012:key/4d1b9f4e-0000-4000-8000-000000000001"
)

// now is collectortest.NewRequest's fixed clock.
var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// kumo keeps its state in package-level storage shared by every server in
// the process, so the trails, log groups and alarms are created once per
// test binary; no test changes them.
var (
	seedOnce sync.Once
	seedErr  error
	seeded   *cloudtrailfake.Account
)

// model is the account: three trails in us-east-1 ("main": multi-region,
// validated, KMS-encrypted, delivering to CloudTrail/main and logging, with
// advanced selectors for all management and S3 data events; "org": a
// multi-region organization trail with the default selector; "regional":
// single-region, not logging, write-only basic selectors with one bucket,
// delivering to a log group that does not exist), the CloudTrail/main log
// group with 400-day retention and two CIS metric filters, a group whose
// name extends the missing one's, and two alarms on the CIS metrics (one
// with an SNS action, one without) plus an unrelated one.
func model() *cloudtrailfake.Account {
	filter := func(name, pattern string) cloudtrailfake.MetricFilter {
		return cloudtrailfake.MetricFilter{Name: name, Pattern: pattern, MetricName: name, Namespace: "CISBenchmark", Created: now}
	}
	return &cloudtrailfake.Account{
		Trails: []*cloudtrailfake.Trail{
			{Name: "main", Bucket: "trail-logs", MultiRegion: true, LogFileValidation: true, KMSKey: trailKey,
				LogGroupARN: mainLogs, LogsRoleARN: "arn:aws:iam::123456789012:role/CloudTrailToLogs", Logging: true,
				Delivery: &cloudtrailfake.Delivery{
					LatestDelivery:               now.Add(-90 * time.Minute),
					LatestCloudWatchLogsDelivery: now.Add(-2 * time.Hour),
					LatestDigestDelivery:         now.Add(-26 * time.Hour),
					StartLogging:                 time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
				},
				AdvancedEventSelectors: []cloudtrailfake.AdvancedEventSelector{
					{Name: "Management events", FieldSelectors: []cloudtrailfake.FieldSelector{{Field: "eventCategory", Equals: []string{"Management"}}}},
					{Name: "S3 data events", FieldSelectors: []cloudtrailfake.FieldSelector{
						{Field: "eventCategory", Equals: []string{"Data"}},
						{Field: "resources.type", Equals: []string{"AWS::S3::Object"}}}},
				}},
			{Name: "org", Bucket: "org-trail-logs", MultiRegion: true, Organization: true, LogFileValidation: true, Logging: true},
			{Name: "regional", Bucket: "regional-logs", LogGroupARN: missLogs,
				EventSelectors: []cloudtrailfake.EventSelector{{ReadWriteType: "WriteOnly", IncludeManagementEvents: true,
					DataResources:                 []cloudtrailfake.DataResource{{Type: "AWS::S3::Object", Values: []string{"arn:aws:s3:::phi-bucket/"}}},
					ExcludeManagementEventSources: []string{}}}},
		},
		LogGroups: []*cloudtrailfake.LogGroup{
			{Name: "CloudTrail/main", RetentionDays: 400, MetricFilters: []cloudtrailfake.MetricFilter{
				filter("ConsoleSigninFailures", `{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }`),
				filter("RootUsage", `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`),
			}},
			// A group whose name extends the trail's must not be mistaken for it.
			{Name: "CloudTrail/missing-not"},
		},
		Alarms: []*cloudtrailfake.Alarm{
			{Name: "console-signin-failures", Namespace: "CISBenchmark", MetricName: "ConsoleSigninFailures", Actions: []string{alarmTopc}},
			{Name: "root-usage", Namespace: "CISBenchmark", MetricName: "RootUsage"},
			{Name: "unrelated", Namespace: "AWS/EC2", MetricName: "CPUUtilization", Actions: []string{alarmTopc}},
		},
	}
}

// newEmulator starts an emulator in front of the seeded state and installs
// the model's stubs for what kumo does not implement (GetEventSelectors,
// the delivery fields of GetTrailStatus, DescribeMetricFilters; see package
// cloudtrailfake).
func newEmulator(t *testing.T) *collectortest.Emulator {
	t.Helper()
	e := collectortest.NewEmulator(t)
	seedOnce.Do(func() {
		m := model()
		if seedErr = m.Seed(context.Background(), e.Config()); seedErr == nil {
			seeded = m
		}
	})
	if seedErr != nil {
		t.Fatalf("seed kumo: %v", seedErr)
	}
	seeded.Install(e.Transport)
	return e
}

func nameOf(body []byte, field string) string {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return ""
	}
	s, _ := m[field].(string)
	return s
}

// cborError answers a CloudWatch (rpcv2Cbor protocol) call with an error:
// a CBOR map holding __type and message, the smithy-protocol header, and the
// awsQueryCompatible X-Amzn-Query-Error header CloudWatch sends.
func cborError(status int, code, queryCode, message string) collectortest.Handler {
	return func(*http.Request, []byte) *http.Response {
		body := cbor.Encode(cbor.Map{"__type": cbor.String(code), "message": cbor.String(message)})
		h := http.Header{}
		h.Set("Content-Type", "application/cbor")
		h.Set("Smithy-Protocol", "rpc-v2-cbor")
		h.Set("X-Amzn-Query-Error", queryCode+";Sender")
		return &http.Response{
			StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
			Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)),
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		}
	}
}

type result struct {
	trails    *evidence.Snapshot
	logGroups *evidence.Snapshot
	tp        cloudtrail.TrailsPayload
	lp        cloudtrail.LogGroupsPayload
}

func collect(t *testing.T, e *collectortest.Endpoint, acct, region string) result {
	t.Helper()
	req := collectortest.NewRequest(e, region)
	req.Target.AccountID = acct
	resp, err := cloudtrail.New().Collect(context.Background(), req)
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	if resp == nil || len(resp.Snapshots) != 2 {
		t.Fatalf("collect returned %v, want two snapshots", resp)
	}
	var r result
	for _, s := range resp.Snapshots {
		switch s.Kind {
		case cloudtrail.KindTrails:
			r.trails = s
			if err := json.Unmarshal(s.Payload, &r.tp); err != nil {
				t.Fatalf("decode trails: %v", err)
			}
		case cloudtrail.KindLogGroups:
			r.logGroups = s
			if err := json.Unmarshal(s.Payload, &r.lp); err != nil {
				t.Fatalf("decode log groups: %v", err)
			}
		default:
			t.Fatalf("unexpected kind %s", s.Kind)
		}
	}
	if r.trails == nil || r.logGroups == nil {
		t.Fatal("a kind is missing")
	}
	return r
}

func trail(t *testing.T, p cloudtrail.TrailsPayload, arn string) cloudtrail.Trail {
	t.Helper()
	for _, tr := range p.Trails {
		if tr.ARN == arn {
			return tr
		}
	}
	t.Fatalf("trail %s not described; have %d trails", arn, len(p.Trails))
	return cloudtrail.Trail{}
}

func logGroup(t *testing.T, p cloudtrail.LogGroupsPayload, arn string) cloudtrail.LogGroup {
	t.Helper()
	for _, g := range p.LogGroups {
		if g.ARN == arn {
			return g
		}
	}
	t.Fatalf("log group %s not in payload; have %d", arn, len(p.LogGroups))
	return cloudtrail.LogGroup{}
}

func coverageARNs(p cloudtrail.TrailsPayload) []string {
	var out []string
	for _, c := range p.Coverage {
		out = append(out, c.ARN)
	}
	return out
}

func TestConformance(t *testing.T) {
	e := newEmulator(t)
	collectortest.RunConformance(t, collectortest.Suite{
		New:      func() collectors.Collector { return cloudtrail.New() },
		Endpoint: &e.Endpoint,
		Request:  func(*testing.T) *collectors.Request { return collectortest.NewRequest(&e.Endpoint, "us-east-1") },
	})
}

func TestRegistered(t *testing.T) {
	c, err := collectors.Default.New(cloudtrail.Name)
	if err != nil {
		t.Fatal(err)
	}
	d := c.Describe()
	if d.Scope != collectors.PerRegion || !d.HasKind(cloudtrail.KindTrails) || !d.HasKind(cloudtrail.KindLogGroups) {
		t.Errorf("descriptor = %+v", d)
	}
}

func TestHomeRegion(t *testing.T) {
	e := newEmulator(t)
	r := collect(t, &e.Endpoint, account, "us-east-1")
	for _, s := range []*evidence.Snapshot{r.trails, r.logGroups} {
		if s.Status != evidence.StatusOK {
			t.Fatalf("%s: status %s, errors %+v", s.Kind, s.Status, s.Errors)
		}
	}
	if want := []string{mainARN, orgARN, localARN}; !slices.Equal(coverageARNs(r.tp), want) {
		t.Fatalf("coverage = %v, want %v", coverageARNs(r.tp), want)
	}
	for _, c := range r.tp.Coverage {
		if c.Shadow || c.DescribedIn != (cloudtrail.Location{AccountID: account, Region: "us-east-1"}) {
			t.Errorf("coverage %s = %+v, want described here", c.ARN, c)
		}
	}
	if len(r.tp.Trails) != 3 {
		t.Fatalf("%d trails described, want 3", len(r.tp.Trails))
	}

	t.Run("main", func(t *testing.T) {
		m := trail(t, r.tp, mainARN)
		switch {
		case !m.IsMultiRegionTrail || m.IsOrganizationTrail || !m.LogFileValidationEnabled || !m.IncludeGlobalServiceEvents:
			t.Errorf("flags = %+v", m)
		case m.KMSKeyID != trailKey || !m.KMSEncrypted:
			t.Errorf("kms = %q/%v", m.KMSKeyID, m.KMSEncrypted)
		case m.S3BucketName != "trail-logs" || m.CloudWatchLogsLogGroupARN != mainLogs+":*" || m.HomeRegion != "us-east-1" || m.AccountID != account:
			t.Errorf("config = %+v", m)
		case len(m.FailedActions) != 0:
			t.Errorf("failed = %v", m.FailedActions)
		}
		s := m.Status
		if s == nil || !s.IsLogging {
			t.Fatalf("status = %+v", s)
		}
		if s.LatestCloudWatchLogsDeliveryAgeHours == nil || *s.LatestCloudWatchLogsDeliveryAgeHours != 2 ||
			s.LatestDeliveryAgeHours == nil || *s.LatestDeliveryAgeHours != 1 {
			t.Errorf("ages = %v / %v, want 2 / 1", s.LatestCloudWatchLogsDeliveryAgeHours, s.LatestDeliveryAgeHours)
		}
		if s.LatestDigestDeliveryTime == nil || !s.LatestDigestDeliveryTime.Equal(now.Add(-26*time.Hour)) {
			t.Errorf("digest time = %v", s.LatestDigestDeliveryTime)
		}
		es := m.EventSelection
		if es == nil || es.Mode != "advanced" || !es.ManagementEvents.All || !es.S3DataEvents.AllBucketsReadWrite || len(es.AdvancedEventSelectors) != 2 {
			t.Errorf("event selection = %+v", es)
		}
	})

	t.Run("regional", func(t *testing.T) {
		g := trail(t, r.tp, localARN)
		if g.IsMultiRegionTrail || g.LogFileValidationEnabled || g.KMSEncrypted {
			t.Errorf("flags = %+v", g)
		}
		if g.Status == nil || g.Status.IsLogging || g.Status.LatestDeliveryTime != nil || g.Status.LatestDeliveryAgeHours != nil {
			t.Errorf("status = %+v, want not logging, never delivered", g.Status)
		}
		es := g.EventSelection
		if es == nil || es.Mode != "basic" || es.ManagementEvents.ReadWriteType != "WriteOnly" || es.ManagementEvents.All {
			t.Fatalf("event selection = %+v", es)
		}
		if !slices.Equal(es.S3DataEvents.Write.Buckets, []string{"phi-bucket"}) || es.S3DataEvents.Read.AllBuckets || len(es.S3DataEvents.Read.Buckets) != 0 {
			t.Errorf("s3 = %+v", es.S3DataEvents)
		}
	})

	t.Run("organization trail", func(t *testing.T) {
		o := trail(t, r.tp, orgARN)
		if !o.IsOrganizationTrail || !o.IsMultiRegionTrail || o.Status == nil || !o.Status.IsLogging {
			t.Errorf("org trail = %+v", o)
		}
		if o.EventSelection == nil || !o.EventSelection.ManagementEvents.All || o.EventSelection.S3DataEvents.Read.AllBuckets {
			t.Errorf("event selection = %+v", o.EventSelection)
		}
	})

	t.Run("log groups", func(t *testing.T) {
		if len(r.lp.LogGroups) != 2 {
			t.Fatalf("%d log groups, want 2", len(r.lp.LogGroups))
		}
		g := logGroup(t, r.lp, mainLogs)
		if g.Exists == nil || !*g.Exists || g.RetentionInDays == nil || *g.RetentionInDays != 400 || g.NeverExpires || g.Name != "CloudTrail/main" {
			t.Errorf("main group = %+v", g)
		}
		if !slices.Equal(g.TrailARNs, []string{mainARN}) || len(g.MetricFilters) != 2 {
			t.Fatalf("main group trails %v, %d filters", g.TrailARNs, len(g.MetricFilters))
		}
		csf := g.MetricFilters[0]
		if csf.Name != "ConsoleSigninFailures" || !slices.Equal(csf.Detects, []string{"console_signin_failures"}) ||
			len(csf.Alarms) != 1 || csf.Alarms[0].Name != "console-signin-failures" || !csf.Alarms[0].HasAction ||
			!slices.Equal(csf.Alarms[0].AlarmActions, []string{alarmTopc}) {
			t.Errorf("console filter = %+v", csf)
		}
		mon := g.Monitors
		checkMonitor(t, "console_signin_failures", mon.ConsoleSigninFailures, true, true, true)
		checkMonitor(t, "root_usage", mon.RootUsage, true, true, false)
		checkMonitor(t, "unauthorized_api_calls", mon.UnauthorizedAPICalls, false, false, false)

		missing := logGroup(t, r.lp, missLogs)
		if missing.Exists == nil || *missing.Exists || missing.MetricFilters == nil || len(missing.MetricFilters) != 0 || len(missing.FailedActions) != 0 {
			t.Errorf("missing group = %+v", missing)
		}
		checkMonitor(t, "missing group root_usage", missing.Monitors.RootUsage, false, false, false)
	})
}

func checkMonitor(t *testing.T, name string, m cloudtrail.Monitor, filter, alarm, action bool) {
	t.Helper()
	if m.MetricFilter == nil || m.Alarm == nil || m.AlarmWithAction == nil {
		t.Errorf("%s: a field is null: %+v", name, m)
		return
	}
	if *m.MetricFilter != filter || *m.Alarm != alarm || *m.AlarmWithAction != action {
		t.Errorf("%s = filter %v alarm %v action %v, want %v %v %v", name, *m.MetricFilter, *m.Alarm, *m.AlarmWithAction, filter, alarm, action)
	}
}

func TestShadowRegion(t *testing.T) {
	e := newEmulator(t)
	r := collect(t, &e.Endpoint, account, "eu-west-1")
	if r.trails.Status != evidence.StatusOK || r.logGroups.Status != evidence.StatusOK {
		t.Fatalf("statuses %s/%s", r.trails.Status, r.logGroups.Status)
	}
	if len(r.tp.Trails) != 0 || len(r.lp.LogGroups) != 0 {
		t.Errorf("trails homed in us-east-1 were described in eu-west-1: %d trails, %d groups", len(r.tp.Trails), len(r.lp.LogGroups))
	}
	// The single-region trail does not cover eu-west-1.
	if want := []string{mainARN, orgARN}; !slices.Equal(coverageARNs(r.tp), want) {
		t.Fatalf("coverage = %v, want %v", coverageARNs(r.tp), want)
	}
	for _, c := range r.tp.Coverage {
		if !c.Shadow || c.DescribedIn != (cloudtrail.Location{AccountID: account, Region: "us-east-1"}) {
			t.Errorf("coverage %s = %+v, want a shadow described in us-east-1", c.ARN, c)
		}
	}
	if slices.Contains(r.trails.APICalls, "cloudtrail:GetTrailStatus") {
		t.Error("status of shadow trails was read again")
	}
}

func TestMemberAccount(t *testing.T) {
	e := newEmulator(t)
	r := collect(t, &e.Endpoint, member, "us-east-1")
	if len(r.tp.Trails) != 0 {
		t.Errorf("a member account described %d trails it does not own", len(r.tp.Trails))
	}
	var org *cloudtrail.Coverage
	for i := range r.tp.Coverage {
		if r.tp.Coverage[i].ARN == orgARN {
			org = &r.tp.Coverage[i]
		}
	}
	if org == nil || !org.Shadow || !org.IsOrganizationTrail || org.AccountID != account ||
		org.DescribedIn != (cloudtrail.Location{AccountID: account, Region: "us-east-1"}) {
		t.Errorf("organization trail coverage = %+v", org)
	}
}

// TestShadowsModel collects a member account whose model lists another
// account's trails (the DescribeTrails stub of cloudtrailfake): the
// multi-region organization trail covers every region as a shadow, the
// single-region one only its home region, and neither is described here.
func TestShadowsModel(t *testing.T) {
	e := collectortest.NewEmulator(t)
	org := "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-wide"
	local := "arn:aws:cloudtrail:us-east-1:111122223333:trail/east-only"
	m := &cloudtrailfake.Account{Shadows: []*cloudtrailfake.Trail{
		{Name: "org-wide", ARN: org, HomeRegion: "us-east-1", MultiRegion: true, Organization: true, LogFileValidation: true},
		{Name: "east-only", ARN: local, HomeRegion: "us-east-1"},
	}}
	m.Install(e.Transport)
	tests := []struct {
		region string
		want   []string
	}{
		{"us-east-1", []string{local, org}},
		{"us-west-2", []string{org}},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			r := collect(t, &e.Endpoint, member, tt.region)
			if r.trails.Status != evidence.StatusOK || len(r.tp.Trails) != 0 {
				t.Fatalf("status %s, %d trails described; want ok and none (all are another account's)", r.trails.Status, len(r.tp.Trails))
			}
			if got := coverageARNs(r.tp); !slices.Equal(got, tt.want) {
				t.Errorf("coverage %v, want %v", got, tt.want)
			}
			for _, c := range r.tp.Coverage {
				if !c.Shadow || c.DescribedIn.AccountID != "111122223333" {
					t.Errorf("coverage %+v, want a shadow described in its owner account", c)
				}
			}
		})
	}
	if n := e.Transport.Count("cloudtrail:GetEventSelectors"); n != 0 {
		t.Errorf("GetEventSelectors called %d times for shadows", n)
	}
}

func TestFaults(t *testing.T) {
	t.Run("access denied on one trail's event selectors", func(t *testing.T) {
		e := newEmulator(t)
		deny := collectortest.AccessDenied("cloudtrail:GetEventSelectors")
		e.Transport.Stub("cloudtrail:GetEventSelectors", func(r *http.Request, body []byte) *http.Response {
			if nameOf(body, "TrailName") == mainARN {
				return deny(r, body)
			}
			return seeded.GetEventSelectors(r, body)
		})
		r := collect(t, &e.Endpoint, account, "us-east-1")
		if r.trails.Status != evidence.StatusPartial || len(r.trails.Errors) != 1 ||
			r.trails.Errors[0].Action != "cloudtrail:GetEventSelectors" || r.trails.Errors[0].Code != "AccessDeniedException" {
			t.Fatalf("trails: status %s errors %+v", r.trails.Status, r.trails.Errors)
		}
		m := trail(t, r.tp, mainARN)
		if m.EventSelection != nil || m.Status == nil || !slices.Equal(m.FailedActions, []string{"cloudtrail:GetEventSelectors"}) {
			t.Errorf("main = selection %v status %v failed %v", m.EventSelection, m.Status, m.FailedActions)
		}
		if o := trail(t, r.tp, orgARN); o.EventSelection == nil || len(o.FailedActions) != 0 {
			t.Errorf("org trail affected: %+v", o.FailedActions)
		}
		if r.logGroups.Status != evidence.StatusOK {
			t.Errorf("log groups: status %s, want ok", r.logGroups.Status)
		}
	})

	t.Run("access denied on alarms", func(t *testing.T) {
		e := newEmulator(t)
		e.Transport.Stub("cloudwatch:DescribeAlarms", cborError(403, "AccessDeniedException", "AccessDenied",
			"User: arn:aws:sts::123456789012:assumed-role/Audit/test is not authorized to perform: cloudwatch:DescribeAlarms"))
		r := collect(t, &e.Endpoint, account, "us-east-1")
		if r.trails.Status != evidence.StatusOK {
			t.Errorf("trails: status %s, want ok", r.trails.Status)
		}
		if r.logGroups.Status != evidence.StatusPartial || len(r.logGroups.Errors) != 1 {
			t.Fatalf("log groups: status %s errors %+v", r.logGroups.Status, r.logGroups.Errors)
		}
		ce := r.logGroups.Errors[0]
		if ce.Action != "cloudwatch:DescribeAlarms" || !strings.HasPrefix(ce.Code, "AccessDenied") {
			t.Errorf("error = %+v", ce)
		}
		g := logGroup(t, r.lp, mainLogs)
		if !slices.Equal(g.FailedActions, []string{"cloudwatch:DescribeAlarms"}) || g.MetricFilters[0].Alarms != nil {
			t.Errorf("main group: failed %v alarms %v", g.FailedActions, g.MetricFilters[0].Alarms)
		}
		m := g.Monitors.ConsoleSigninFailures
		if m.MetricFilter == nil || !*m.MetricFilter || m.Alarm != nil || m.AlarmWithAction != nil {
			t.Errorf("monitor = %+v: filter seen, alarm must be null (not seen), not false", m)
		}
		if u := g.Monitors.UnauthorizedAPICalls; u.Alarm == nil || *u.Alarm {
			t.Errorf("a class without a filter has no alarm to miss: %+v", u)
		}
	})

	t.Run("access denied on log groups", func(t *testing.T) {
		e := newEmulator(t)
		e.Transport.Stub("logs:DescribeLogGroups", collectortest.AccessDenied("logs:DescribeLogGroups"))
		r := collect(t, &e.Endpoint, account, "us-east-1")
		if r.logGroups.Status != evidence.StatusPartial || len(r.logGroups.Errors) != 2 {
			t.Fatalf("log groups: status %s errors %+v", r.logGroups.Status, r.logGroups.Errors)
		}
		g := logGroup(t, r.lp, mainLogs)
		if g.Exists != nil || g.RetentionInDays != nil || g.NeverExpires || g.MetricFilters != nil || g.Monitors.RootUsage.MetricFilter != nil {
			t.Errorf("unseen group = %+v", g)
		}
		if r.trails.Status != evidence.StatusOK {
			t.Errorf("trails: status %s", r.trails.Status)
		}
	})

	t.Run("throttling recovers", func(t *testing.T) {
		e := newEmulator(t)
		e.Transport.Stub("cloudtrail:DescribeTrails", collectortest.Throttle("cloudtrail:DescribeTrails", 2, nil))
		e.Transport.Stub("logs:DescribeLogGroups", collectortest.Throttle("logs:DescribeLogGroups", 1, nil))
		e.Transport.Stub("cloudwatch:DescribeAlarms", func() collectortest.Handler {
			throttle := cborError(400, "ThrottlingException", "Throttling", "Rate exceeded")
			var n int
			var mu sync.Mutex
			return func(r *http.Request, body []byte) *http.Response {
				mu.Lock()
				defer mu.Unlock()
				if n++; n <= 2 {
					return throttle(r, body)
				}
				return nil
			}
		}())
		r := collect(t, &e.Endpoint, account, "us-east-1")
		if r.trails.Status != evidence.StatusOK || r.logGroups.Status != evidence.StatusOK {
			t.Fatalf("statuses %s/%s, errors %+v %+v", r.trails.Status, r.logGroups.Status, r.trails.Errors, r.logGroups.Errors)
		}
		if got := e.Transport.Count("cloudtrail:DescribeTrails"); got != 3 {
			t.Errorf("DescribeTrails sent %d times, want 3", got)
		}
		if got := e.Transport.Count("cloudwatch:DescribeAlarms"); got != 3 {
			t.Errorf("DescribeAlarms sent %d times, want 3", got)
		}
		if len(r.tp.Trails) != 3 || logGroup(t, r.lp, mainLogs).Monitors.ConsoleSigninFailures.AlarmWithAction == nil {
			t.Error("evidence incomplete after recovered throttling")
		}
	})

	t.Run("region refused", func(t *testing.T) {
		e := newEmulator(t)
		for _, op := range []string{"cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors", "logs:DescribeLogGroups", "logs:DescribeMetricFilters"} {
			deny := collectortest.AccessDenied(op)
			e.Transport.Stub(op, func(r *http.Request, body []byte) *http.Response {
				if awsmiddleware.GetRegion(r.Context()) == "ap-south-1" {
					return deny(r, body)
				}
				return nil
			})
		}
		r := collect(t, &e.Endpoint, account, "ap-south-1")
		for _, s := range []*evidence.Snapshot{r.trails, r.logGroups} {
			if s.Status != evidence.StatusError || len(s.Errors) != 1 || s.Errors[0].Action != "cloudtrail:DescribeTrails" || s.Errors[0].Code != "AccessDeniedException" {
				t.Errorf("%s: status %s errors %+v", s.Kind, s.Status, s.Errors)
			}
		}
		if len(r.tp.Coverage) != 0 || len(r.tp.Trails) != 0 {
			t.Error("a refused region claims coverage")
		}
		// Another region of the same account is unaffected (GetEventSelectors
		// and DescribeMetricFilters are unstubbed here, so kumo refuses them:
		// only those are expected to fail).
		ok := collect(t, &e.Endpoint, account, "eu-west-1")
		if ok.trails.Status != evidence.StatusOK || len(ok.tp.Coverage) != 2 {
			t.Errorf("eu-west-1: status %s, coverage %d", ok.trails.Status, len(ok.tp.Coverage))
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		e := newEmulator(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		resp, err := cloudtrail.New().Collect(ctx, collectortest.NewRequest(&e.Endpoint, "us-east-1"))
		if err != nil {
			t.Fatalf("collect: %v", err)
		}
		for _, s := range resp.Snapshots {
			if s.Status != evidence.StatusError || len(s.Errors) != 1 || s.Errors[0].Code != collectors.CodeCanceled {
				t.Errorf("%s: status %s errors %+v", s.Kind, s.Status, s.Errors)
			}
		}
	})
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden pins the payloads of the home-region collection, so a change to
// the evidence format is a visible diff. The log group's creation time comes
// from kumo's clock and is replaced by a fixed value before comparing.
func TestGolden(t *testing.T) {
	e := newEmulator(t)
	r := collect(t, &e.Endpoint, account, "us-east-1")
	fixed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range r.lp.LogGroups {
		if r.lp.LogGroups[i].CreationTime != nil {
			r.lp.LogGroups[i].CreationTime = &fixed
		}
	}
	for name, v := range map[string]any{"trails.us-east-1.json": r.tp, "log_groups.us-east-1.json": r.lp} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(v); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden (run with -update to create it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("payload differs from %s (run with -update after checking the change):\n%s", path, got)
			}
		})
	}
}
