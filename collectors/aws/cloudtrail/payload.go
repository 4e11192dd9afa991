package cloudtrail

import "time"

// The evidence kinds of the collector.
const (
	// KindTrails is the kind of the trail configuration snapshots.
	KindTrails = "aws.cloudtrail.trails"
	// KindLogGroups is the kind of the CloudWatch Logs snapshots.
	KindLogGroups = "aws.cloudtrail.log_groups"
)

// TrailsPayload is the payload of an aws.cloudtrail.trails snapshot.
type TrailsPayload struct {
	// Region is the region the snapshot describes.
	Region string `json:"region"`
	// Trails holds the full configuration of every trail owned by this
	// account whose home region is Region, sorted by ARN. A multi-region or
	// organization trail appears here only in its home region.
	Trails []Trail `json:"trails"`
	// Coverage lists every trail that records events of this region, sorted
	// by ARN: trails described in Trails, multi-region trails homed in
	// another region, and organization trails of the management account.
	Coverage []Coverage `json:"coverage"`
}

// Trail is the configuration and status of one trail. Fields read by a call
// that failed are null and the call is named in FailedActions; a check must
// treat such a trail as not seen.
type Trail struct {
	// Name is the trail name.
	Name string `json:"name"`
	// ARN is the trail ARN.
	ARN string `json:"arn"`
	// AccountID is the account that owns the trail.
	AccountID string `json:"account_id"`
	// HomeRegion is the region the trail was created in.
	HomeRegion string `json:"home_region"`
	// IsMultiRegionTrail says whether the trail records every region.
	IsMultiRegionTrail bool `json:"is_multi_region_trail"`
	// IsOrganizationTrail says whether the trail records every account of
	// the organization.
	IsOrganizationTrail bool `json:"is_organization_trail"`
	// IncludeGlobalServiceEvents says whether global service events (IAM,
	// STS, CloudFront) are recorded.
	IncludeGlobalServiceEvents bool `json:"include_global_service_events"`
	// LogFileValidationEnabled says whether digest files are written.
	LogFileValidationEnabled bool `json:"log_file_validation_enabled"`
	// KMSKeyID is the KMS key ARN that encrypts the log files ("" for
	// SSE-S3).
	KMSKeyID string `json:"kms_key_id"`
	// KMSEncrypted is KMSKeyID != "".
	KMSEncrypted bool `json:"kms_encrypted"`
	// S3BucketName is the bucket that receives the log files.
	S3BucketName string `json:"s3_bucket_name"`
	// S3KeyPrefix is the key prefix in that bucket.
	S3KeyPrefix string `json:"s3_key_prefix"`
	// SNSTopicARN is the topic notified of log file delivery, if any.
	SNSTopicARN string `json:"sns_topic_arn"`
	// CloudWatchLogsLogGroupARN is the log group the trail delivers to ("" for
	// none).
	CloudWatchLogsLogGroupARN string `json:"cloudwatch_logs_log_group_arn"`
	// CloudWatchLogsRoleARN is the role CloudTrail assumes to deliver to it.
	CloudWatchLogsRoleARN string `json:"cloudwatch_logs_role_arn"`
	// HasCustomEventSelectors says whether event selectors were set.
	HasCustomEventSelectors bool `json:"has_custom_event_selectors"`
	// HasInsightSelectors says whether Insights is enabled.
	HasInsightSelectors bool `json:"has_insight_selectors"`
	// Status is the trail's status; null when cloudtrail:GetTrailStatus
	// failed.
	Status *Status `json:"status"`
	// EventSelection is the trail's event selectors and their summary; null
	// when cloudtrail:GetEventSelectors failed.
	EventSelection *EventSelection `json:"event_selection"`
	// FailedActions lists the actions that failed for this trail, sorted.
	FailedActions []string `json:"failed_actions"`
}

// Status is the result of cloudtrail:GetTrailStatus. Age fields are whole
// hours between the event and the collection time, so a check such as
// "delivered within 24 hours" is reproducible from the snapshot alone.
type Status struct {
	// IsLogging says whether the trail is recording.
	IsLogging bool `json:"is_logging"`
	// LatestDeliveryTime is the last successful delivery to S3.
	LatestDeliveryTime *time.Time `json:"latest_delivery_time"`
	// LatestDeliveryAgeHours is the age of LatestDeliveryTime.
	LatestDeliveryAgeHours *int64 `json:"latest_delivery_age_hours"`
	// LatestDeliveryError is the last S3 delivery error ("" for none).
	LatestDeliveryError string `json:"latest_delivery_error"`
	// LatestCloudWatchLogsDeliveryTime is the last delivery to CloudWatch
	// Logs.
	LatestCloudWatchLogsDeliveryTime *time.Time `json:"latest_cloudwatch_logs_delivery_time"`
	// LatestCloudWatchLogsDeliveryAgeHours is the age of
	// LatestCloudWatchLogsDeliveryTime.
	LatestCloudWatchLogsDeliveryAgeHours *int64 `json:"latest_cloudwatch_logs_delivery_age_hours"`
	// LatestCloudWatchLogsDeliveryError is the last CloudWatch Logs delivery
	// error ("" for none).
	LatestCloudWatchLogsDeliveryError string `json:"latest_cloudwatch_logs_delivery_error"`
	// LatestDigestDeliveryTime is the last digest file delivery.
	LatestDigestDeliveryTime *time.Time `json:"latest_digest_delivery_time"`
	// LatestDigestDeliveryError is the last digest delivery error.
	LatestDigestDeliveryError string `json:"latest_digest_delivery_error"`
	// StartLoggingTime is when logging was last started.
	StartLoggingTime *time.Time `json:"start_logging_time"`
	// StopLoggingTime is when logging was last stopped.
	StopLoggingTime *time.Time `json:"stop_logging_time"`
}

// EventSelection is what a trail records: its selectors as configured and a
// summary a check can read directly.
type EventSelection struct {
	// Mode is "basic" (event selectors), "advanced" (advanced event
	// selectors) or "none".
	Mode string `json:"mode"`
	// ManagementEvents summarises the management events recorded.
	ManagementEvents ManagementEvents `json:"management_events"`
	// S3DataEvents summarises the S3 object-level events recorded.
	S3DataEvents S3DataEvents `json:"s3_data_events"`
	// EventSelectors are the basic event selectors as configured.
	EventSelectors []EventSelector `json:"event_selectors"`
	// AdvancedEventSelectors are the advanced event selectors as configured.
	AdvancedEventSelectors []AdvancedEventSelector `json:"advanced_event_selectors"`
}

// ManagementEvents summarises the management events a trail records.
type ManagementEvents struct {
	// Read is true when read-only management events are recorded.
	Read bool `json:"read"`
	// Write is true when write management events are recorded.
	Write bool `json:"write"`
	// ReadWriteType is All, ReadOnly, WriteOnly or None, from Read and Write.
	ReadWriteType string `json:"read_write_type"`
	// ExcludedSources lists event sources excluded from management events
	// (ExcludeManagementEventSources, or eventSource NotEquals), sorted.
	ExcludedSources []string `json:"excluded_sources"`
	// Filtered is true when a selector narrows management events by another
	// field (eventName, eventSource Equals, userIdentity.arn, ...).
	Filtered bool `json:"filtered"`
	// All is true when every management event is recorded: Read, Write, no
	// excluded source and not Filtered.
	All bool `json:"all"`
}

// S3DataEvents summarises the S3 object-level (data) events a trail records.
type S3DataEvents struct {
	// Read is the coverage of read data events (GetObject, ...).
	Read S3Coverage `json:"read"`
	// Write is the coverage of write data events (PutObject, DeleteObject, ...).
	Write S3Coverage `json:"write"`
	// AllBucketsReadWrite is Read.AllBuckets && Write.AllBuckets.
	AllBucketsReadWrite bool `json:"all_buckets_read_write"`
}

// S3Coverage says which buckets' data events of one access type are recorded.
type S3Coverage struct {
	// AllBuckets is true when every current and future bucket is covered by
	// an unfiltered selector.
	AllBuckets bool `json:"all_buckets"`
	// Buckets lists the buckets covered whole, sorted.
	Buckets []string `json:"buckets"`
	// Prefixes lists "bucket/prefix" entries covered only under a prefix,
	// sorted.
	Prefixes []string `json:"prefixes"`
	// Filtered is true when a selector for this access type narrows events
	// by another field (eventName, NotStartsWith on the ARN, ...), so its
	// coverage is only partial.
	Filtered bool `json:"filtered"`
}

// EventSelector is one basic event selector.
type EventSelector struct {
	// ReadWriteType is All, ReadOnly or WriteOnly.
	ReadWriteType string `json:"read_write_type"`
	// IncludeManagementEvents says whether management events are recorded.
	IncludeManagementEvents bool `json:"include_management_events"`
	// ExcludeManagementEventSources lists excluded event sources.
	ExcludeManagementEventSources []string `json:"exclude_management_event_sources"`
	// DataResources lists the data event resources.
	DataResources []DataResource `json:"data_resources"`
}

// DataResource is one data resource of a basic event selector.
type DataResource struct {
	// Type is the resource type, e.g. AWS::S3::Object.
	Type string `json:"type"`
	// Values lists ARNs or ARN prefixes, e.g. "arn:aws:s3" (all buckets) or
	// "arn:aws:s3:::bucket/".
	Values []string `json:"values"`
}

// AdvancedEventSelector is one advanced event selector.
type AdvancedEventSelector struct {
	// Name is the selector's name.
	Name string `json:"name"`
	// FieldSelectors are the selector's conditions, all of which must hold.
	FieldSelectors []FieldSelector `json:"field_selectors"`
}

// FieldSelector is one condition of an advanced event selector.
type FieldSelector struct {
	// Field is e.g. eventCategory, readOnly, resources.type, resources.ARN.
	Field string `json:"field"`
	// Equals lists values the field must equal (any of).
	Equals []string `json:"equals"`
	// StartsWith lists prefixes the field must start with (any of).
	StartsWith []string `json:"starts_with"`
	// EndsWith lists suffixes the field must end with (any of).
	EndsWith []string `json:"ends_with"`
	// NotEquals lists values the field must not equal.
	NotEquals []string `json:"not_equals"`
	// NotStartsWith lists prefixes the field must not start with.
	NotStartsWith []string `json:"not_starts_with"`
	// NotEndsWith lists suffixes the field must not end with.
	NotEndsWith []string `json:"not_ends_with"`
}

// Coverage names one trail that records events of the snapshot's region.
type Coverage struct {
	// Name is the trail name.
	Name string `json:"name"`
	// ARN is the trail ARN.
	ARN string `json:"arn"`
	// AccountID is the account that owns the trail.
	AccountID string `json:"account_id"`
	// HomeRegion is the trail's home region.
	HomeRegion string `json:"home_region"`
	// IsMultiRegionTrail says whether the trail records every region.
	IsMultiRegionTrail bool `json:"is_multi_region_trail"`
	// IsOrganizationTrail says whether the trail records every account of
	// the organization.
	IsOrganizationTrail bool `json:"is_organization_trail"`
	// Shadow is true when the trail's configuration is described in another
	// snapshot (another home region, or the organization's management
	// account).
	Shadow bool `json:"shadow"`
	// DescribedIn names the snapshot with the trail's full configuration:
	// account and home region of its aws.cloudtrail.trails snapshot.
	DescribedIn Location `json:"described_in"`
}

// Location is an account and region.
type Location struct {
	// AccountID is the account id.
	AccountID string `json:"account_id"`
	// Region is the region.
	Region string `json:"region"`
}

// LogGroupsPayload is the payload of an aws.cloudtrail.log_groups snapshot.
type LogGroupsPayload struct {
	// Region is the region the snapshot describes.
	Region string `json:"region"`
	// LogGroups holds one entry per CloudWatch Logs log group that a trail in
	// the aws.cloudtrail.trails snapshot of the same account and region
	// delivers to, sorted by ARN.
	LogGroups []LogGroup `json:"log_groups"`
}

// LogGroup is one trail log group. Fields read by a call that failed are
// null and the call is named in FailedActions; a check must treat such a log
// group as not seen.
type LogGroup struct {
	// ARN is the log group ARN (without the trailing ":*").
	ARN string `json:"arn"`
	// Name is the log group name.
	Name string `json:"name"`
	// AccountID is the account of the log group.
	AccountID string `json:"account_id"`
	// Region is the region of the log group.
	Region string `json:"region"`
	// TrailARNs lists the trails that deliver to it, sorted.
	TrailARNs []string `json:"trail_arns"`
	// Exists is true when logs:DescribeLogGroups found the group, false when
	// it did not, null when the call failed.
	Exists *bool `json:"exists"`
	// RetentionInDays is the retention; null when the group never expires
	// (see NeverExpires) or was not seen.
	RetentionInDays *int32 `json:"retention_in_days"`
	// NeverExpires is true when the group exists and has no retention
	// setting (events are kept indefinitely).
	NeverExpires bool `json:"never_expires"`
	// KMSKeyID is the KMS key ARN that encrypts the group ("" for none).
	KMSKeyID string `json:"kms_key_id"`
	// CreationTime is when the group was created.
	CreationTime *time.Time `json:"creation_time"`
	// MetricFilters lists the group's metric filters with the alarms on
	// their metrics, sorted by name; null when logs:DescribeMetricFilters
	// failed.
	MetricFilters []MetricFilter `json:"metric_filters"`
	// Monitors summarises, per monitored event class, whether a metric filter
	// and an alarm with an action exist.
	Monitors Monitors `json:"monitors"`
	// FailedActions lists the actions that failed for this group, sorted.
	FailedActions []string `json:"failed_actions"`
}

// MetricFilter is one metric filter of a log group.
type MetricFilter struct {
	// Name is the filter name.
	Name string `json:"name"`
	// Pattern is the filter pattern as configured.
	Pattern string `json:"pattern"`
	// Detects lists the event classes the pattern matches (see Monitors),
	// from the pattern's text; sorted.
	Detects []string `json:"detects"`
	// Metrics lists the metrics the filter publishes.
	Metrics []Metric `json:"metrics"`
	// Alarms lists the metric alarms on those metrics; null when
	// cloudwatch:DescribeAlarms failed.
	Alarms []Alarm `json:"alarms"`
}

// Metric names one CloudWatch metric.
type Metric struct {
	// Namespace is the metric namespace.
	Namespace string `json:"namespace"`
	// Name is the metric name.
	Name string `json:"name"`
}

// Alarm is one CloudWatch metric alarm.
type Alarm struct {
	// Name is the alarm name.
	Name string `json:"name"`
	// ARN is the alarm ARN.
	ARN string `json:"arn"`
	// ActionsEnabled says whether the alarm's actions run.
	ActionsEnabled bool `json:"actions_enabled"`
	// AlarmActions lists the ARNs notified on ALARM (e.g. SNS topics), sorted.
	AlarmActions []string `json:"alarm_actions"`
	// HasAction is ActionsEnabled && len(AlarmActions) > 0.
	HasAction bool `json:"has_action"`
	// StateValue is OK, ALARM or INSUFFICIENT_DATA.
	StateValue string `json:"state_value"`
}

// Monitors holds one Monitor per event class the CIS AWS Foundations
// Benchmark's CloudWatch monitoring section names; classification is by the
// filter pattern's text (see patterns.go).
type Monitors struct {
	// ConsoleSigninFailures: failed console sign-ins.
	ConsoleSigninFailures Monitor `json:"console_signin_failures"`
	// RootUsage: activity of the root user.
	RootUsage Monitor `json:"root_usage"`
	// UnauthorizedAPICalls: calls refused with AccessDenied or
	// UnauthorizedOperation.
	UnauthorizedAPICalls Monitor `json:"unauthorized_api_calls"`
	// ConsoleSigninWithoutMFA: console sign-ins without MFA.
	ConsoleSigninWithoutMFA Monitor `json:"console_signin_without_mfa"`
	// IAMPolicyChanges: changes to IAM policies.
	IAMPolicyChanges Monitor `json:"iam_policy_changes"`
	// CloudTrailChanges: changes to trail configuration or logging.
	CloudTrailChanges Monitor `json:"cloudtrail_changes"`
	// KMSKeyDisableOrDeletion: customer-managed keys disabled or scheduled
	// for deletion.
	KMSKeyDisableOrDeletion Monitor `json:"kms_key_disable_or_deletion"`
}

// Monitor says whether one class of events is watched. A field is null when
// the call it depends on failed (logs:DescribeMetricFilters for
// MetricFilter, cloudwatch:DescribeAlarms for Alarm and AlarmWithAction), so
// an unseen alarm is never reported as a missing one.
type Monitor struct {
	// MetricFilter is true when a metric filter's pattern matches the class.
	MetricFilter *bool `json:"metric_filter"`
	// Alarm is true when an alarm watches such a filter's metric.
	Alarm *bool `json:"alarm"`
	// AlarmWithAction is true when such an alarm has actions enabled and at
	// least one alarm action.
	AlarmWithAction *bool `json:"alarm_with_action"`
	// Filters lists the matching filters' names, sorted.
	Filters []string `json:"filters"`
}
