package cloudtrailfake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
)

// Trail is one trail of the model.
type Trail struct {
	// Name is the trail's name.
	Name string
	// Bucket is the S3 bucket the trail delivers to.
	Bucket string
	// MultiRegion records every region.
	MultiRegion bool
	// Organization makes an organization trail (management account only).
	Organization bool
	// LogFileValidation enables log file integrity validation.
	LogFileValidation bool
	// KMSKey is the KMS key ARN that encrypts the logs; empty means SSE-S3.
	KMSKey string
	// LogGroupARN is the CloudWatch Logs group ARN the trail delivers to
	// (without the ":*" suffix CreateTrail takes); empty means none. The
	// group need not exist.
	LogGroupARN string
	// LogsRoleARN is the role CloudTrail assumes to write to the group.
	LogsRoleARN string
	// Logging starts logging after the trail is created.
	Logging bool
	// Delivery, when set, is the delivery status GetTrailStatus reports
	// beside IsLogging.
	Delivery *Delivery
	// EventSelectors are the trail's basic event selectors.
	EventSelectors []EventSelector
	// AdvancedEventSelectors are the trail's advanced event selectors; when
	// set they replace EventSelectors, as in AWS. With neither, the trail
	// has the default selector (all management events, no data events).
	AdvancedEventSelectors []AdvancedEventSelector

	// ARN is the trail's ARN: set by Seed from kumo's answer for the
	// account's own trails; given for Shadows.
	ARN string
	// HomeRegion is the region the trail was created in: set by Seed from
	// its configuration; given for Shadows.
	HomeRegion string
}

// Delivery is the delivery status of a trail.
type Delivery struct {
	// LatestDelivery is when logs were last delivered to S3.
	LatestDelivery time.Time
	// LatestCloudWatchLogsDelivery is when logs were last sent to
	// CloudWatch Logs; zero means never.
	LatestCloudWatchLogsDelivery time.Time
	// LatestDigestDelivery is when a digest file was last delivered; zero
	// means never.
	LatestDigestDelivery time.Time
	// StartLogging is when logging last started.
	StartLogging time.Time
	// LatestDeliveryError is the last S3 delivery error, if any.
	LatestDeliveryError string
}

// EventSelector is a basic event selector, in the API's JSON shape.
type EventSelector struct {
	// ReadWriteType is ReadOnly, WriteOnly or All.
	ReadWriteType string `json:"ReadWriteType"`
	// IncludeManagementEvents records management events.
	IncludeManagementEvents bool `json:"IncludeManagementEvents"`
	// DataResources are the data event resources.
	DataResources []DataResource `json:"DataResources"`
	// ExcludeManagementEventSources lists excluded event sources.
	ExcludeManagementEventSources []string `json:"ExcludeManagementEventSources"`
}

// DataResource is a data event resource of a basic selector.
type DataResource struct {
	// Type is the resource type, e.g. AWS::S3::Object.
	Type string `json:"Type"`
	// Values are ARN prefixes, e.g. arn:aws:s3:::bucket/ or arn:aws:s3.
	Values []string `json:"Values"`
}

// AdvancedEventSelector is an advanced event selector, in the API's JSON shape.
type AdvancedEventSelector struct {
	// Name names the selector.
	Name string `json:"Name,omitempty"`
	// FieldSelectors are the selector's conditions.
	FieldSelectors []FieldSelector `json:"FieldSelectors"`
}

// FieldSelector is one condition of an advanced event selector.
type FieldSelector struct {
	// Field is the field, e.g. eventCategory or resources.type.
	Field string `json:"Field"`
	// Equals and the other operators list the values compared.
	Equals        []string `json:"Equals,omitempty"`
	StartsWith    []string `json:"StartsWith,omitempty"`
	EndsWith      []string `json:"EndsWith,omitempty"`
	NotEquals     []string `json:"NotEquals,omitempty"`
	NotStartsWith []string `json:"NotStartsWith,omitempty"`
	NotEndsWith   []string `json:"NotEndsWith,omitempty"`
}

// LogGroup is a CloudWatch Logs group of the model.
type LogGroup struct {
	// Name is the group's name.
	Name string
	// RetentionDays is the retention; 0 means never expire.
	RetentionDays int32
	// MetricFilters are the group's metric filters.
	MetricFilters []MetricFilter
}

// MetricFilter is a metric filter on a log group.
type MetricFilter struct {
	// Name is the filter's name.
	Name string
	// Pattern is the filter pattern.
	Pattern string
	// MetricName and Namespace name the metric it publishes.
	MetricName, Namespace string
	// Created is the filter's creation time.
	Created time.Time
}

// Alarm is a CloudWatch alarm on a metric.
type Alarm struct {
	// Name is the alarm's name.
	Name string
	// Namespace and MetricName name the metric it watches.
	Namespace, MetricName string
	// Actions are the alarm actions (e.g. SNS topic ARNs); empty means none.
	Actions []string
}

// Account is the CloudTrail and monitoring set-up of one account (trails
// are created in the region of the configuration Seed is given).
type Account struct {
	// Trails are the account's trails.
	Trails []*Trail
	// LogGroups are the account's log groups.
	LogGroups []*LogGroup
	// Alarms are the account's alarms.
	Alarms []*Alarm
	// Shadows are trails of other accounts that DescribeTrails lists here:
	// an organization trail of the management account, as member accounts
	// see it. kumo knows only the account's own trails, so when Shadows is
	// set DescribeTrails is answered from the model.
	Shadows []*Trail
}

// Seed creates the trails, log groups and alarms in kumo through the SDK
// with cfg, and records the trails' ARNs in the model.
func (a *Account) Seed(ctx context.Context, cfg aws.Config) error {
	ct := cloudtrail.NewFromConfig(cfg)
	for _, t := range a.Trails {
		in := &cloudtrail.CreateTrailInput{
			Name:                    aws.String(t.Name),
			S3BucketName:            aws.String(t.Bucket),
			IsMultiRegionTrail:      aws.Bool(t.MultiRegion),
			IsOrganizationTrail:     aws.Bool(t.Organization),
			EnableLogFileValidation: aws.Bool(t.LogFileValidation),
		}
		if t.KMSKey != "" {
			in.KmsKeyId = aws.String(t.KMSKey)
		}
		if t.LogGroupARN != "" {
			in.CloudWatchLogsLogGroupArn = aws.String(t.LogGroupARN + ":*")
		}
		if t.LogsRoleARN != "" {
			in.CloudWatchLogsRoleArn = aws.String(t.LogsRoleARN)
		}
		out, err := ct.CreateTrail(ctx, in)
		if err != nil {
			return fmt.Errorf("create trail %s: %w", t.Name, err)
		}
		t.ARN, t.HomeRegion = aws.ToString(out.TrailARN), cfg.Region
		if t.Logging {
			if _, err := ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String(t.Name)}); err != nil {
				return fmt.Errorf("start logging %s: %w", t.Name, err)
			}
		}
	}
	logs := cloudwatchlogs.NewFromConfig(cfg)
	for _, g := range a.LogGroups {
		if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(g.Name)}); err != nil {
			return fmt.Errorf("create log group %s: %w", g.Name, err)
		}
		if g.RetentionDays > 0 {
			if _, err := logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(g.Name), RetentionInDays: aws.Int32(g.RetentionDays)}); err != nil {
				return fmt.Errorf("put retention policy %s: %w", g.Name, err)
			}
		}
	}
	cw := cloudwatch.NewFromConfig(cfg)
	for _, al := range a.Alarms {
		in := &cloudwatch.PutMetricAlarmInput{
			AlarmName:          aws.String(al.Name),
			Namespace:          aws.String(al.Namespace),
			MetricName:         aws.String(al.MetricName),
			ActionsEnabled:     aws.Bool(true),
			AlarmActions:       al.Actions,
			ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold,
			EvaluationPeriods:  aws.Int32(1),
			Period:             aws.Int32(300),
			Statistic:          cwtypes.StatisticSum,
			Threshold:          aws.Float64(1),
		}
		if _, err := cw.PutMetricAlarm(ctx, in); err != nil {
			return fmt.Errorf("put metric alarm %s: %w", al.Name, err)
		}
	}
	return nil
}

// Trail returns the trail named by ref (a name or an ARN), or nil. ARNs
// are matched by the trail name they end with, so they match whatever
// account id the answer presented.
func (a *Account) Trail(ref string) *Trail {
	if i := strings.LastIndex(ref, ":trail/"); i >= 0 {
		ref = ref[i+len(":trail/"):]
	}
	for _, t := range a.Trails {
		if t.Name == ref {
			return t
		}
	}
	return nil
}

// LogGroup returns the log group named name, or nil.
func (a *Account) LogGroup(name string) *LogGroup {
	for _, g := range a.LogGroups {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// Stubs returns the handlers of the calls kumo lacks, keyed as
// collectortest.Transport.Stub expects.
func (a *Account) Stubs() map[string]collectortest.Handler {
	return map[string]collectortest.Handler{
		"cloudtrail:DescribeTrails":    a.DescribeTrails,
		"cloudtrail:GetEventSelectors": a.GetEventSelectors,
		"cloudtrail:GetTrailStatus":    a.GetTrailStatus,
		"logs:DescribeMetricFilters":   a.DescribeMetricFilters,
	}
}

// Install sets the model's stubs on tr.
func (a *Account) Install(tr *collectortest.Transport) {
	for key, h := range a.Stubs() {
		tr.Stub(key, h)
	}
}

func field(body []byte, name string) string {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return ""
	}
	s, _ := m[name].(string)
	return s
}

func epoch(t time.Time) float64 { return float64(t.Unix()) }

// DescribeTrails answers cloudtrail:DescribeTrails when the model has
// Shadows: the account's own trails and the shadows that record the
// request's region (a multi-region trail records every region, another trail
// its home region only), as DescribeTrails with includeShadowTrails lists
// them. Without Shadows it passes the call on to kumo.
func (a *Account) DescribeTrails(r *http.Request, _ []byte) *http.Response {
	if len(a.Shadows) == 0 {
		return nil
	}
	region := awsmiddleware.GetRegion(r.Context())
	list := []any{}
	for _, t := range append(append([]*Trail{}, a.Trails...), a.Shadows...) {
		if !t.MultiRegion && t.HomeRegion != region {
			continue
		}
		e := map[string]any{
			"Name": t.Name, "S3BucketName": t.Bucket, "IncludeGlobalServiceEvents": true,
			"IsMultiRegionTrail": t.MultiRegion, "HomeRegion": t.HomeRegion, "TrailARN": t.ARN,
			"LogFileValidationEnabled": t.LogFileValidation, "HasCustomEventSelectors": len(t.EventSelectors)+len(t.AdvancedEventSelectors) > 0,
			"HasInsightSelectors": false, "IsOrganizationTrail": t.Organization,
		}
		if t.KMSKey != "" {
			e["KmsKeyId"] = t.KMSKey
		}
		if t.LogGroupARN != "" {
			e["CloudWatchLogsLogGroupArn"] = t.LogGroupARN + ":*"
		}
		if t.LogsRoleARN != "" {
			e["CloudWatchLogsRoleArn"] = t.LogsRoleARN
		}
		list = append(list, e)
	}
	return collectortest.JSONResponse(map[string]any{"trailList": list})
}

// GetEventSelectors answers cloudtrail:GetEventSelectors for the model's
// trails; an unknown trail gets the documented TrailNotFoundException.
func (a *Account) GetEventSelectors(_ *http.Request, body []byte) *http.Response {
	name := field(body, "TrailName")
	t := a.Trail(name)
	if t == nil {
		return collectortest.ErrorResponse("cloudtrail:GetEventSelectors", 400, "TrailNotFoundException", "Unknown trail: "+name)
	}
	out := map[string]any{"TrailARN": name}
	switch {
	case len(t.AdvancedEventSelectors) > 0:
		out["AdvancedEventSelectors"] = t.AdvancedEventSelectors
	case len(t.EventSelectors) > 0:
		out["EventSelectors"] = t.EventSelectors
	default:
		out["EventSelectors"] = []EventSelector{{ReadWriteType: "All", IncludeManagementEvents: true, DataResources: []DataResource{}, ExcludeManagementEventSources: []string{}}}
	}
	return collectortest.JSONResponse(out)
}

// GetTrailStatus answers cloudtrail:GetTrailStatus for trails with a
// Delivery, and passes the others on to kumo.
func (a *Account) GetTrailStatus(_ *http.Request, body []byte) *http.Response {
	t := a.Trail(field(body, "Name"))
	if t == nil || t.Delivery == nil {
		return nil
	}
	d := t.Delivery
	out := map[string]any{
		"IsLogging":           t.Logging,
		"LatestDeliveryTime":  epoch(d.LatestDelivery),
		"StartLoggingTime":    epoch(d.StartLogging),
		"LatestDeliveryError": d.LatestDeliveryError,
		// The deprecated string form the API still returns beside StartLoggingTime.
		"TimeLoggingStarted": d.StartLogging.UTC().Format(time.RFC3339),
	}
	if !d.LatestCloudWatchLogsDelivery.IsZero() {
		out["LatestCloudWatchLogsDeliveryTime"] = epoch(d.LatestCloudWatchLogsDelivery)
	}
	if !d.LatestDigestDelivery.IsZero() {
		out["LatestDigestDeliveryTime"] = epoch(d.LatestDigestDelivery)
	}
	return collectortest.JSONResponse(out)
}

// DescribeMetricFilters answers logs:DescribeMetricFilters with the metric
// filters of the requested log group (none for a group outside the model).
func (a *Account) DescribeMetricFilters(_ *http.Request, body []byte) *http.Response {
	name := field(body, "logGroupName")
	filters := []any{}
	if g := a.LogGroup(name); g != nil {
		for _, f := range g.MetricFilters {
			filters = append(filters, map[string]any{
				"filterName": f.Name, "filterPattern": f.Pattern, "logGroupName": g.Name,
				"creationTime": f.Created.UnixMilli(),
				"metricTransformations": []any{map[string]any{
					"metricName": f.MetricName, "metricNamespace": f.Namespace, "metricValue": "1",
				}},
			})
		}
	}
	return collectortest.JSONResponse(map[string]any{"metricFilters": filters})
}
