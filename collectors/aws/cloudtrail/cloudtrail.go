package cloudtrail

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/smithy-go"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// Name is the collector's registered name.
const Name = "cloudtrail"

// Version is the collector's version, recorded in every snapshot.
const Version = "1.0.0"

// DefaultConcurrency is how many trails one collection reads at once;
// MaxConcurrency caps the configured value. An account has at most a few
// trails per region, so a small bound suffices.
const (
	DefaultConcurrency = 4
	MaxConcurrency     = 16
)

// The IAM actions the collector calls.
const (
	actionDescribeTrails        = "cloudtrail:DescribeTrails"
	actionGetTrailStatus        = "cloudtrail:GetTrailStatus"
	actionGetEventSelectors     = "cloudtrail:GetEventSelectors"
	actionDescribeLogGroups     = "logs:DescribeLogGroups"
	actionDescribeMetricFilters = "logs:DescribeMetricFilters"
	actionDescribeAlarms        = "cloudwatch:DescribeAlarms"
)

func init() {
	collectors.Register(Name, func() collectors.Collector { return New() })
}

// Options are the collector's settings in the config file's "cloudtrail"
// section.
type Options struct {
	// Concurrency is how many trails are read at once; 0 means
	// DefaultConcurrency, values above MaxConcurrency are capped.
	Concurrency int `yaml:"concurrency" json:"concurrency"`
}

// Collector reads CloudTrail trails and their CloudWatch Logs monitoring.
// Its zero value is ready to use.
type Collector struct{}

// New returns a CloudTrail collector.
func New() *Collector { return &Collector{} }

// Describe returns the collector's descriptor.
func (*Collector) Describe() collectors.Descriptor {
	return collectors.Descriptor{
		Name:          Name,
		Version:       Version,
		Summary:       "CloudTrail trails (de-duplicated), status, event selectors, log group retention, metric filters and alarms",
		Scope:         collectors.PerRegion,
		EvidenceKinds: []string{KindTrails, KindLogGroups},
		Actions: []string{
			actionGetEventSelectors,
			actionDescribeTrails,
			actionGetTrailStatus,
			actionDescribeAlarms,
			actionDescribeLogGroups,
			actionDescribeMetricFilters,
		},
	}
}

// ValidateOptions implements collectors.OptionsValidator.
func (*Collector) ValidateOptions(o collectors.Options) error {
	var opts Options
	if err := o.Decode(&opts); err != nil {
		return fmt.Errorf("cloudtrail options: %w", err)
	}
	return nil
}

// Collect reads the trails of the target account and region.
func (*Collector) Collect(ctx context.Context, req *collectors.Request) (*collectors.Response, error) {
	if req == nil {
		return nil, errors.New("cloudtrail: nil request")
	}
	var opts Options
	if err := req.Options.Decode(&opts); err != nil {
		return nil, fmt.Errorf("cloudtrail options: %w", err)
	}
	conc := opts.Concurrency
	switch {
	case conc <= 0:
		conc = DefaultConcurrency
	case conc > MaxConcurrency:
		conc = MaxConcurrency
	}
	region := req.Target.Region
	if region == "" || region == evidence.GlobalRegion {
		region = req.AWS.Region
	}
	now := time.Now
	if req.Now != nil {
		now = req.Now
	}
	r := &run{
		cfg:     req.AWS,
		ct:      cloudtrail.NewFromConfig(req.AWS),
		tb:      collectors.NewBuilder(KindTrails),
		lb:      collectors.NewBuilder(KindLogGroups),
		account: req.Target.AccountID,
		region:  region,
		now:     now().UTC(),
		conc:    conc,
	}
	trails, groups := r.collect(ctx)
	ts, err := r.tb.Snapshot(trails)
	if err != nil {
		return nil, err
	}
	ls, err := r.lb.Snapshot(groups)
	if err != nil {
		return nil, err
	}
	return &collectors.Response{Snapshots: []*evidence.Snapshot{ts, ls}}, nil
}

// run is one collection.
type run struct {
	cfg     aws.Config
	ct      *cloudtrail.Client
	tb, lb  *collectors.Builder
	account string
	region  string
	now     time.Time
	conc    int
}

func (r *run) collect(ctx context.Context) (TrailsPayload, LogGroupsPayload) {
	tp := TrailsPayload{Region: r.region, Trails: []Trail{}, Coverage: []Coverage{}}
	lp := LogGroupsPayload{Region: r.region, LogGroups: []LogGroup{}}
	out, err := r.ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
	r.tb.Record(actionDescribeTrails, err)
	if err != nil {
		r.tb.Fatal()
		// Without the trail list the log groups are unknown too.
		r.lb.Failed(actionDescribeTrails, err)
		r.lb.Fatal()
		return tp, lp
	}
	var local []types.Trail
	seen := map[string]bool{}
	for _, t := range out.TrailList {
		c, ok := r.coverage(t)
		if !ok || seen[c.ARN] {
			continue
		}
		seen[c.ARN] = true
		tp.Coverage = append(tp.Coverage, c)
		if !c.Shadow {
			local = append(local, t)
		}
	}
	sort.Slice(tp.Coverage, func(i, j int) bool { return tp.Coverage[i].ARN < tp.Coverage[j].ARN })

	trails := make([]Trail, len(local))
	sem := make(chan struct{}, r.conc)
	var wg sync.WaitGroup
	for i, t := range local {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			// The Runner recovers panics only on its own goroutine; one here
			// would end the process, so it becomes this trail's failure.
			defer func() {
				if p := recover(); p != nil {
					name := aws.ToString(t.TrailARN)
					r.tb.Failed(actionGetTrailStatus, &smithy.GenericAPIError{Code: collectors.CodeCollectorPanic, Message: fmt.Sprintf("reading trail %s panicked: %v", name, p)})
					trails[i] = Trail{Name: aws.ToString(t.Name), ARN: name, AccountID: r.account, HomeRegion: r.region,
						FailedActions: []string{actionGetEventSelectors, actionGetTrailStatus}}
				}
			}()
			trails[i] = r.trail(ctx, t)
		}()
	}
	wg.Wait()
	sort.Slice(trails, func(i, j int) bool { return trails[i].ARN < trails[j].ARN })
	tp.Trails = trails
	lp.LogGroups = r.logGroups(ctx, trails)
	return tp, lp
}

// coverage decides whether trail t records this region, and whether its
// configuration belongs to this snapshot. A trail records its home region
// and, when multi-region, every region; it is described in the snapshot of
// its owner account's home region. DescribeTrails with shadow trails lists
// exactly the trails that cover the region, but a trail that does not cover
// it is still skipped here rather than claimed.
func (r *run) coverage(t types.Trail) (Coverage, bool) {
	c := Coverage{
		Name:                aws.ToString(t.Name),
		ARN:                 aws.ToString(t.TrailARN),
		AccountID:           r.account,
		HomeRegion:          aws.ToString(t.HomeRegion),
		IsMultiRegionTrail:  aws.ToBool(t.IsMultiRegionTrail),
		IsOrganizationTrail: aws.ToBool(t.IsOrganizationTrail),
	}
	if a, err := arn.Parse(c.ARN); err == nil {
		if a.AccountID != "" {
			c.AccountID = a.AccountID
		}
		if c.HomeRegion == "" {
			c.HomeRegion = a.Region
		}
	}
	if c.HomeRegion == "" {
		c.HomeRegion = r.region
	}
	if c.ARN == "" {
		c.ARN = c.Name
	}
	if c.HomeRegion != r.region && !c.IsMultiRegionTrail {
		return c, false
	}
	c.Shadow = c.HomeRegion != r.region || c.AccountID != r.account
	c.DescribedIn = Location{AccountID: c.AccountID, Region: c.HomeRegion}
	return c, true
}

// trail reads one trail's status and event selectors.
func (r *run) trail(ctx context.Context, t types.Trail) Trail {
	out := Trail{
		Name:                       aws.ToString(t.Name),
		ARN:                        aws.ToString(t.TrailARN),
		AccountID:                  r.account,
		HomeRegion:                 aws.ToString(t.HomeRegion),
		IsMultiRegionTrail:         aws.ToBool(t.IsMultiRegionTrail),
		IsOrganizationTrail:        aws.ToBool(t.IsOrganizationTrail),
		IncludeGlobalServiceEvents: aws.ToBool(t.IncludeGlobalServiceEvents),
		LogFileValidationEnabled:   aws.ToBool(t.LogFileValidationEnabled),
		KMSKeyID:                   aws.ToString(t.KmsKeyId),
		S3BucketName:               aws.ToString(t.S3BucketName),
		S3KeyPrefix:                aws.ToString(t.S3KeyPrefix),
		SNSTopicARN:                aws.ToString(t.SnsTopicARN),
		CloudWatchLogsLogGroupARN:  aws.ToString(t.CloudWatchLogsLogGroupArn),
		CloudWatchLogsRoleARN:      aws.ToString(t.CloudWatchLogsRoleArn),
		HasCustomEventSelectors:    aws.ToBool(t.HasCustomEventSelectors),
		HasInsightSelectors:        aws.ToBool(t.HasInsightSelectors),
		FailedActions:              []string{},
	}
	out.KMSEncrypted = out.KMSKeyID != ""
	if out.HomeRegion == "" {
		out.HomeRegion = r.region
	}
	if out.ARN == "" {
		out.ARN = out.Name
	}
	id := aws.String(out.ARN)

	st, err := r.ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: id})
	if err != nil {
		r.tb.Failed(actionGetTrailStatus, err)
		out.FailedActions = append(out.FailedActions, actionGetTrailStatus)
	} else {
		r.tb.Called(actionGetTrailStatus)
		out.Status = &Status{
			IsLogging:                            aws.ToBool(st.IsLogging),
			LatestDeliveryTime:                   utc(st.LatestDeliveryTime),
			LatestDeliveryAgeHours:               r.ageHours(st.LatestDeliveryTime),
			LatestDeliveryError:                  aws.ToString(st.LatestDeliveryError),
			LatestCloudWatchLogsDeliveryTime:     utc(st.LatestCloudWatchLogsDeliveryTime),
			LatestCloudWatchLogsDeliveryAgeHours: r.ageHours(st.LatestCloudWatchLogsDeliveryTime),
			LatestCloudWatchLogsDeliveryError:    aws.ToString(st.LatestCloudWatchLogsDeliveryError),
			LatestDigestDeliveryTime:             utc(st.LatestDigestDeliveryTime),
			LatestDigestDeliveryError:            aws.ToString(st.LatestDigestDeliveryError),
			StartLoggingTime:                     utc(st.StartLoggingTime),
			StopLoggingTime:                      utc(st.StopLoggingTime),
		}
	}

	sel, err := r.ct.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: id})
	if err != nil {
		r.tb.Failed(actionGetEventSelectors, err)
		out.FailedActions = append(out.FailedActions, actionGetEventSelectors)
	} else {
		r.tb.Called(actionGetEventSelectors)
		out.EventSelection = summarise(sel.EventSelectors, sel.AdvancedEventSelectors)
	}
	sort.Strings(out.FailedActions)
	return out
}

// ageHours is the whole number of hours from t to the collection time (0
// for a time in the future), or nil for no time.
func (r *run) ageHours(t *time.Time) *int64 {
	if t == nil || t.IsZero() {
		return nil
	}
	h := int64(r.now.Sub(*t) / time.Hour)
	if h < 0 {
		h = 0
	}
	return &h
}

func utc(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
