package cloudtrail

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"
)

// CodeInvalidLogGroupARN is the error code recorded when a trail names a
// CloudWatch Logs log group ARN that cannot be parsed.
const CodeInvalidLogGroupARN = "InvalidLogGroupArn"

// logGroups reads the log groups the described trails deliver to: existence,
// retention and encryption, metric filters, and the alarms on their metrics.
// Every failure is recorded in the log_groups snapshot and in the group's
// FailedActions.
func (r *run) logGroups(ctx context.Context, trails []Trail) []LogGroup {
	byARN := map[string]*LogGroup{}
	for _, t := range trails {
		if t.CloudWatchLogsLogGroupARN == "" {
			continue
		}
		g := r.parseLogGroup(t.CloudWatchLogsLogGroupARN)
		if prev, ok := byARN[g.ARN]; ok {
			g = prev
		} else {
			byARN[g.ARN] = g
		}
		g.TrailARNs = append(g.TrailARNs, t.ARN)
	}
	groups := make([]*LogGroup, 0, len(byARN))
	for _, g := range byARN {
		sort.Strings(g.TrailARNs)
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].ARN < groups[j].ARN })

	// Alarms are read once per region, and only when some filter exists.
	type regionAlarms struct {
		byMetric map[Metric][]Alarm
		err      error
	}
	alarms := map[string]*regionAlarms{}
	for _, g := range groups {
		if g.Name == "" {
			continue // unparseable ARN, already recorded
		}
		r.readLogGroup(ctx, g)
	}
	for _, g := range groups {
		if len(g.MetricFilters) == 0 {
			continue
		}
		ra := alarms[g.Region]
		if ra == nil {
			ra = &regionAlarms{}
			ra.byMetric, ra.err = r.describeAlarms(ctx, g.Region)
			r.lb.Record(actionDescribeAlarms, ra.err)
			alarms[g.Region] = ra
		}
		if ra.err != nil {
			g.FailedActions = append(g.FailedActions, actionDescribeAlarms)
			continue
		}
		for i := range g.MetricFilters {
			f := &g.MetricFilters[i]
			f.Alarms = []Alarm{}
			seen := map[string]bool{}
			for _, m := range f.Metrics {
				for _, a := range ra.byMetric[m] {
					if !seen[a.ARN+"\x00"+a.Name] {
						seen[a.ARN+"\x00"+a.Name] = true
						f.Alarms = append(f.Alarms, a)
					}
				}
			}
			sort.Slice(f.Alarms, func(i, j int) bool { return f.Alarms[i].Name < f.Alarms[j].Name })
		}
	}
	out := make([]LogGroup, 0, len(groups))
	for _, g := range groups {
		filtersSeen := g.MetricFilters != nil
		alarmsSeen := filtersSeen && !containsString(g.FailedActions, actionDescribeAlarms)
		g.Monitors = buildMonitors(g.MetricFilters, filtersSeen, alarmsSeen)
		sort.Strings(g.FailedActions)
		out = append(out, *g)
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseLogGroup reads a trail's CloudWatchLogsLogGroupArn, e.g.
// arn:aws:logs:us-east-1:111122223333:log-group:CloudTrail/logs:*.
func (r *run) parseLogGroup(raw string) *LogGroup {
	g := &LogGroup{
		ARN:           strings.TrimSuffix(raw, ":*"),
		AccountID:     r.account,
		Region:        r.region,
		TrailARNs:     []string{},
		FailedActions: []string{},
	}
	a, err := arn.Parse(raw)
	if err != nil || !strings.HasPrefix(a.Resource, "log-group:") {
		r.lb.Failed(actionDescribeLogGroups, &smithy.GenericAPIError{Code: CodeInvalidLogGroupARN,
			Message: fmt.Sprintf("trail log group ARN %q is not a log group ARN", raw)})
		g.FailedActions = append(g.FailedActions, actionDescribeLogGroups)
		return g
	}
	g.Name = strings.TrimSuffix(strings.TrimPrefix(a.Resource, "log-group:"), ":*")
	if a.AccountID != "" {
		g.AccountID = a.AccountID
	}
	if a.Region != "" {
		g.Region = a.Region
	}
	return g
}

func (r *run) configFor(region string) aws.Config {
	cfg := r.cfg.Copy()
	if region != "" {
		cfg.Region = region
	}
	return cfg
}

// readLogGroup fills existence, retention, encryption and metric filters.
func (r *run) readLogGroup(ctx context.Context, g *LogGroup) {
	client := cloudwatchlogs.NewFromConfig(r.configFor(g.Region))
	found, err := findLogGroup(ctx, client, g.Name)
	r.lb.Record(actionDescribeLogGroups, err)
	if err != nil {
		g.FailedActions = append(g.FailedActions, actionDescribeLogGroups)
		return
	}
	exists := found != nil
	g.Exists = &exists
	if !exists {
		g.MetricFilters = []MetricFilter{}
		return
	}
	g.RetentionInDays = found.RetentionInDays
	g.NeverExpires = found.RetentionInDays == nil
	g.KMSKeyID = aws.ToString(found.KmsKeyId)
	if ms := aws.ToInt64(found.CreationTime); ms > 0 {
		t := time.UnixMilli(ms).UTC()
		g.CreationTime = &t
	}

	filters, err := describeMetricFilters(ctx, client, g.Name)
	r.lb.Record(actionDescribeMetricFilters, err)
	if err != nil {
		g.FailedActions = append(g.FailedActions, actionDescribeMetricFilters)
		return
	}
	g.MetricFilters = filters
}

// findLogGroup returns the log group named name, or nil when there is none.
func findLogGroup(ctx context.Context, client *cloudwatchlogs.Client, name string) (*logtypes.LogGroup, error) {
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(client, &cloudwatchlogs.DescribeLogGroupsInput{
		LogGroupNamePrefix: aws.String(name),
		Limit:              aws.Int32(50),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe log group %s: %w", name, err)
		}
		for i := range page.LogGroups {
			if aws.ToString(page.LogGroups[i].LogGroupName) == name {
				return &page.LogGroups[i], nil
			}
		}
	}
	return nil, nil
}

func describeMetricFilters(ctx context.Context, client *cloudwatchlogs.Client, name string) ([]MetricFilter, error) {
	out := []MetricFilter{}
	p := cloudwatchlogs.NewDescribeMetricFiltersPaginator(client, &cloudwatchlogs.DescribeMetricFiltersInput{
		LogGroupName: aws.String(name),
		Limit:        aws.Int32(50),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe metric filters of %s: %w", name, err)
		}
		for _, f := range page.MetricFilters {
			mf := MetricFilter{
				Name:    aws.ToString(f.FilterName),
				Pattern: aws.ToString(f.FilterPattern),
				Metrics: []Metric{},
			}
			mf.Detects = Classify(mf.Pattern)
			for _, t := range f.MetricTransformations {
				mf.Metrics = append(mf.Metrics, Metric{Namespace: aws.ToString(t.MetricNamespace), Name: aws.ToString(t.MetricName)})
			}
			out = append(out, mf)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// describeAlarms reads every metric alarm of a region, indexed by the
// metrics it watches (directly, or through a metric math query).
func (r *run) describeAlarms(ctx context.Context, region string) (map[Metric][]Alarm, error) {
	client := cloudwatch.NewFromConfig(r.configFor(region))
	out := map[Metric][]Alarm{}
	p := cloudwatch.NewDescribeAlarmsPaginator(client, &cloudwatch.DescribeAlarmsInput{MaxRecords: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe alarms in %s: %w", region, err)
		}
		for _, a := range page.MetricAlarms {
			al := convertAlarm(a)
			metrics := map[Metric]bool{}
			if a.MetricName != nil {
				metrics[Metric{Namespace: aws.ToString(a.Namespace), Name: aws.ToString(a.MetricName)}] = true
			}
			for _, q := range a.Metrics {
				if q.MetricStat != nil && q.MetricStat.Metric != nil {
					m := q.MetricStat.Metric
					metrics[Metric{Namespace: aws.ToString(m.Namespace), Name: aws.ToString(m.MetricName)}] = true
				}
			}
			for m := range metrics {
				out[m] = append(out[m], al)
			}
		}
	}
	return out, nil
}

func convertAlarm(a cwtypes.MetricAlarm) Alarm {
	al := Alarm{
		Name:           aws.ToString(a.AlarmName),
		ARN:            aws.ToString(a.AlarmArn),
		ActionsEnabled: aws.ToBool(a.ActionsEnabled),
		AlarmActions:   append([]string{}, a.AlarmActions...),
		StateValue:     string(a.StateValue),
	}
	sort.Strings(al.AlarmActions)
	al.HasAction = al.ActionsEnabled && len(al.AlarmActions) > 0
	return al
}

// monitorFields maps each event class to its Monitor in m.
func monitorFields(m *Monitors) map[string]*Monitor {
	return map[string]*Monitor{
		classConsoleSigninFailures:   &m.ConsoleSigninFailures,
		classRootUsage:               &m.RootUsage,
		classUnauthorizedAPICalls:    &m.UnauthorizedAPICalls,
		classConsoleSigninWithoutMFA: &m.ConsoleSigninWithoutMFA,
		classIAMPolicyChanges:        &m.IAMPolicyChanges,
		classCloudTrailChanges:       &m.CloudTrailChanges,
		classKMSKeyDisableOrDeletion: &m.KMSKeyDisableOrDeletion,
	}
}

// buildMonitors summarises filters per event class. A class with no
// matching filter has no alarm either, so its alarm fields are false once
// the filters were seen; otherwise unseen alarms stay null.
func buildMonitors(filters []MetricFilter, filtersSeen, alarmsSeen bool) Monitors {
	var m Monitors
	for class, mon := range monitorFields(&m) {
		mon.Filters = []string{}
		if !filtersSeen {
			continue
		}
		hasFilter, hasAlarm, hasAction := false, false, false
		for _, f := range filters {
			if !containsString(f.Detects, class) {
				continue
			}
			hasFilter = true
			mon.Filters = append(mon.Filters, f.Name)
			for _, a := range f.Alarms {
				hasAlarm = true
				hasAction = hasAction || a.HasAction
			}
		}
		sort.Strings(mon.Filters)
		mon.MetricFilter = aws.Bool(hasFilter)
		if !hasFilter || alarmsSeen {
			mon.Alarm = aws.Bool(hasAlarm)
			mon.AlarmWithAction = aws.Bool(hasAction)
		}
	}
	return m
}
