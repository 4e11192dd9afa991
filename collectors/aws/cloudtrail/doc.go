// Package cloudtrail is the built-in "cloudtrail" collector. Once per account
// and region it reads the trails visible in the region
// (cloudtrail:DescribeTrails, shadow trails included) and writes two
// snapshots:
//
//   - aws.cloudtrail.trails: the full configuration of every trail this
//     account owns whose home region is this region — status
//     (cloudtrail:GetTrailStatus) and event selectors
//     (cloudtrail:GetEventSelectors) included — and, for every trail whose
//     logging covers the region (local, multi-region shadow or organization
//     trail), a coverage entry. A multi-region or organization trail is thus
//     described once, in its home region, and named in every region it covers.
//   - aws.cloudtrail.log_groups: the CloudWatch Logs side of the trails
//     described here: each trail log group's retention
//     (logs:DescribeLogGroups), its metric filters
//     (logs:DescribeMetricFilters) and the alarms on their metrics
//     (cloudwatch:DescribeAlarms).
//
// The two kinds fail independently: a refused CloudWatch call makes only the
// log_groups snapshot partial. docs/evidence/cloudtrail.md documents every
// payload field.
package cloudtrail
